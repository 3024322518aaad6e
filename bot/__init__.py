"""The edges: Telegram, WhatsApp (Twilio), the console shell, the web process, the CLI and the settings."""
