"""The edges: console shell, CLI, settings, and (later) Telegram, WhatsApp, web app, outbox and scheduler."""
