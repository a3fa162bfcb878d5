"""Warta's Telegram layer: python-telegram-bot handlers, rendering, queueing and serving."""
