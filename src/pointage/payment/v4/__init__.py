"""The gateway-compatible V4 REST services under /api-payment/V4/."""
