"""WhatsApp through Twilio: signed webhooks, numbered replies, proactive messages inside and outside 24 hours."""
