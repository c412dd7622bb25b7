"""The public status page: components and their state from probes, incidents and scheduled
maintenance with their updates, uptime, and the people and systems subscribed to them."""
