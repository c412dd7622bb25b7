"""Webhooks: merchants' endpoints, the events sent to them, signed deliveries with retries."""
