"""The conversations, independent of any channel, and the engine that runs them."""
