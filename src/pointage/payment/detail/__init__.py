"""The transaction detail page: its texts (`views`); its routes are `payment.views_detail`."""
