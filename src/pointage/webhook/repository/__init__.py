"""All queries of webhooks: emission (events, sources), the objects events are about
(subjects), endpoints, and deliveries."""
