"""The texts of the transaction detail's pages (`payment.views_detail`), in English, marked
for translation where the catalogs' extraction reads the views' texts: event titles of the
timeline, the labels it shows, and each action's title, question, button, result, refusal and
field mistakes."""

from __future__ import annotations

from pointage.web.i18n import N_

# The timeline's events, by the key `payment.views_detail_model` gives each.
EVENT_TITLES = {
    "create": N_("Payment received from the gateway"),
    "create_other": N_("Received from the gateway"),
    "validate": N_("Validated"),
    "cancel": N_("Cancelled"),
    "modify": N_("Modified"),
    "refund": N_("Created as a refund"),
    "duplicate": N_("Created as a copy of another payment"),
    "capture": N_("Captured"),
    "capture_remittance": N_("Captured in a remittance"),
    "expire": N_("Expired: not validated before its capture date"),
    "update": N_("Updated by the gateway"),
    "operation": N_("Operation"),
    "refunded": N_("Refunded"),
    "copied": N_("Copied into a new payment"),
    "match": N_("Reconciled"),
    "match_engine": N_("Reconciled automatically"),
    "match_confirmed": N_("Reconciled: suggestion confirmed"),
    "match_manual": N_("Reconciled by hand with bank entries"),
    "match_without_entry": N_("Reconciled by hand without a bank entry"),
    "chargeback": N_("Chargeback: the payment was taken back"),
    "commission": N_("Commission debited"),
    "reversal": N_("Match undone"),
    "suggestion_rejected": N_("Suggestion rejected"),
    "suggestion_superseded": N_("Suggestion superseded"),
}
SOURCE_LABELS = {
    "back_office": N_("Back office"),
    "api": N_("API"),
    "batch": N_("Daily batch"),
    "ipn": N_("Payment notification"),
    "file": N_("Transaction journal file"),
}
CHANGE_LABELS = {
    "detailed_status": N_("Status"),
    "amount_minor": N_("Amount"),
    "expected_capture_date": N_("Capture date"),
}
OUTCOMES = {
    "pass": ("✓", N_("Met")),
    "partial": ("≈", N_("Partly met")),
    "fail": ("✕", N_("Not met")),
    "info": ("i", N_("Information")),
}
OPEN_REASONS = {
    "not_captured": N_("Not captured yet: there is nothing to reconcile."),
    "not_run": N_("No reconciliation run has looked at its remittance yet."),
    "no_candidate": N_("No bank entry in the expected window looks like its credit."),
    "ambiguous": N_("Several bank entries could be its credit: a person chooses."),
    "below_threshold": N_("The best bank entry found is not convincing enough."),
    "not_yet_due": N_("Its credit is not expected yet."),
    "overdue": N_("Its credit is overdue and no bank entry was found."),
    "already_claimed": N_("What would pay it is already claimed by another match."),
    "undone": N_("A person undid the match found: it is not applied again."),
}
SUGGESTION_STATUSES = {
    "open": N_("Open"),
    "confirmed": N_("Confirmed"),
    "rejected": N_("Rejected"),
    "superseded": N_("Superseded"),
}
# Each action's page title, confirmation question, button and success message.
TITLES = {
    "validate": N_("Validate the transaction"),
    "cancel": N_("Cancel the transaction"),
    "modify": N_("Modify the transaction"),
    "refund": N_("Refund the payment"),
    "duplicate": N_("Duplicate the payment"),
    "reconcile": N_("Reconcile by hand"),
    "confirm": N_("Confirm the suggestion"),
    "unmatch": N_("Undo the match"),
}
QUESTIONS = {
    "validate": N_("Validate this transaction? The batch of its capture date will capture it."),
    "cancel": N_("Cancel this transaction? It will never be captured; this cannot be undone."),
    "modify": N_("Lower the amount or move the capture date of this transaction?"),
    "refund": N_(
        "Refund this payment? A refund transaction is created and the next daily batch "
        "sends it to the bank; this cannot be undone."
    ),
    "duplicate": N_("Create a new payment on the same card, contract and currency?"),
    "reconcile": N_(
        "Mark this transaction reconciled without a bank entry (paid another way, credited "
        "on an account not imported…)? Say why in the comment."
    ),
    "confirm": N_(
        "Confirm this suggestion? Its bank entries are matched to what it names and the "
        "reconciliation statuses are computed again; you can undo it afterwards."
    ),
    "unmatch": N_(
        "Undo this match? What it claimed is released, the reconciliation statuses of "
        "everything it covered are computed again, and the match stays in the history."
    ),
}
BUTTONS = {
    "validate": N_("Validate"),
    "cancel": N_("Cancel the transaction"),
    "modify": N_("Modify"),
    "refund": N_("Refund"),
    "duplicate": N_("Duplicate"),
    "reconcile": N_("Mark reconciled"),
    "confirm": N_("Confirm"),
    "unmatch": N_("Undo the match"),
}
DONE = {
    "validate": N_("The transaction is validated."),
    "cancel": N_("The transaction is cancelled."),
    "modify": N_("The transaction is modified."),
    "refund": N_("A refund of %(amount)s was created; the next daily batch captures it."),
    "duplicate": N_("A new payment of %(amount)s was created from this one."),
    "reconcile": N_("The transaction is marked reconciled by hand."),
    "confirm": N_(
        "The suggestion is confirmed and the reconciliation statuses were computed again."
    ),
    "unmatch": N_("The match is undone and the reconciliation statuses were computed again."),
}
# What a service's refusal means, per action: the state changed since the page was shown.
REFUSED = {
    "validate": N_("Only a transaction waiting for validation can be validated."),
    "cancel": N_("Only a transaction not yet captured can be cancelled."),
    "modify": N_("Only a transaction not yet captured can be modified."),
    "refund": N_("Only a captured payment can be refunded, up to what is not yet refunded."),
    "duplicate": N_("Only a captured, cancelled or expired payment can be duplicated."),
    "reconcile": N_(
        "This transaction cannot be marked reconciled: it was not captured, or a match "
        "already covers it."
    ),
    "confirm": N_("This suggestion was already confirmed, rejected or superseded."),
    "unmatch": N_("This match was already undone."),
}
NOTHING_CHANGED = N_("Nothing was changed.")

ERRORS = {
    "amount_missing": N_("Enter an amount."),
    "amount_format": N_("Enter an amount such as %(example)s."),
    "amount_decimals": N_("An amount in %(currency)s has at most %(digits)s decimals."),
    "amount_positive": N_("The amount must be above zero."),
    "amount_refundable": N_("The refund cannot be above %(max)s, what is left to refund."),
    "amount_current": N_("The new amount cannot be above the current amount, %(max)s."),
    "amount_large": N_("This amount is too large."),
    "date_format": N_("Enter a date as YYYY-MM-DD."),
    "date_past": N_("The capture date cannot be in the past."),
    "date_far": N_("The capture date cannot be more than a year after the transaction's day."),
    "nothing": N_("Lower the amount or change the capture date."),
    "comment_missing": N_("Enter a comment: say why."),
    "comment_long": N_("A comment has at most %(count)s characters."),
    "comment_character": N_("A comment cannot contain a NUL character."),
}
