"""The verification helper merchants use: a header signed with the secret over "t.body"
passes; a missing or malformed header, a stale or future timestamp, a wrong secret or an
altered body are refused with a sentence saying which."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from pointage.webhook.signature import SignatureError, header_value, parse_header, sign, verify

SECRET = "whsec_test-secret"
BODY = b'{"id":"evt_1","type":"transaction.updated"}'
T = 1_767_225_600


def test_the_signature_is_the_hmac_sha256_of_timestamp_dot_body():
    expected = hmac.new(SECRET.encode(), f"{T}.".encode() + BODY, hashlib.sha256).hexdigest()
    assert sign(SECRET, BODY, T) == expected
    assert header_value([SECRET], BODY, T) == f"t={T},v1={expected}"


def test_a_good_signature_passes_and_returns_its_timestamp():
    assert verify(SECRET, BODY, header_value([SECRET], BODY, T), now=T + 10) == T


@pytest.mark.parametrize(
    ("header", "why"),
    [
        (None, "missing"),
        ("", "missing"),
        ("v1=abc", "no timestamp"),
        (f"t={T}", "no v1 signature"),
        (f"t=yesterday,v1={'0' * 64}", "malformed timestamp"),
        (f"t={T},t={T},v1={'0' * 64}", "malformed timestamp"),
        ("garbage", "malformed"),
    ],
)
def test_a_missing_or_malformed_header_is_refused(header, why):
    with pytest.raises(SignatureError, match=why):
        verify(SECRET, BODY, header, now=T)


def test_a_stale_timestamp_is_refused_even_with_a_good_signature():
    header = header_value([SECRET], BODY, T)
    with pytest.raises(SignatureError, match="too old"):
        verify(SECRET, BODY, header, now=T + 301)
    assert verify(SECRET, BODY, header, tolerance_seconds=600, now=T + 301) == T


def test_a_timestamp_from_the_future_is_refused():
    with pytest.raises(SignatureError, match="future"):
        verify(SECRET, BODY, header_value([SECRET], BODY, T), now=T - 301)


@pytest.mark.parametrize(
    ("secret", "body"),
    [("whsec_another", BODY), (SECRET, BODY.replace(b"updated", b"created"))],
)
def test_a_wrong_secret_or_an_altered_body_is_refused(secret, body):
    header = header_value([SECRET], BODY, T)
    with pytest.raises(SignatureError, match="no v1 signature matches"):
        verify(secret, body, header, now=T)


def test_during_a_rotation_either_secret_verifies():
    header = header_value(["whsec_new", "whsec_old"], BODY, T)
    assert parse_header(header)[1] == [sign("whsec_new", BODY, T), sign("whsec_old", BODY, T)]
    assert verify("whsec_new", BODY, header, now=T) == T
    assert verify("whsec_old", BODY, header, now=T) == T


def test_unknown_schemes_are_ignored_and_non_ascii_signatures_refused_cleanly():
    header = f"t={T},v0=whatever,v1={sign(SECRET, BODY, T)}"
    assert verify(SECRET, BODY, header, now=T) == T
    with pytest.raises(SignatureError):
        verify(SECRET, BODY, f"t={T},v1=é{'0' * 63}", now=T)
