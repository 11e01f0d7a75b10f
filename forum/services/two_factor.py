"""Two-factor sign-in: an authenticator app (TOTP), single-use recovery codes, and
security keys (WebAuthn). The views keep the pending sign-in and the WebAuthn challenges
in the session; every rule about codes and keys is here.

An account has two-factor sign-in when it has a confirmed authenticator or a security key
(`models.two_factor.has_two_factor`, also what groups that require it check). Recovery
codes come with the first of those and go with the last: they are a way back in, not a
factor of their own.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import time
from base64 import b32encode

import pyotp
import segno
from sqlalchemy import delete, func, or_, select, update
from webauthn import (
    base64url_to_bytes,
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers.exceptions import InvalidAuthenticationResponse, InvalidRegistrationResponse
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)
from werkzeug.security import check_password_hash

from forum import visibility
from forum.extensions import db
from forum.models import RecoveryCode, SecurityKey, TotpSecret, User
from forum.models._time import utcnow
from forum.models.two_factor import has_two_factor
from forum.services import sessions
from forum.services.errors import ServiceError

ISSUER = "Interpretability Forum"
STEP_SECONDS = 30  # RFC 6238's time step, what every authenticator app uses
RECOVERY_CODES = 10
KEY_NAME_MAX = 80


def is_enabled(user: User) -> bool:
    return bool(db.session.scalar(select(has_two_factor(user.id))))


# --- the authenticator app -------------------------------------------------------------


def authenticator(user: User) -> TotpSecret | None:
    """The account's authenticator, confirmed or still being set up."""
    return db.session.get(TotpSecret, user.id)


def start_authenticator(user: User) -> TotpSecret:
    """A new secret to scan; it guards nothing until `confirm_authenticator`.
    Starting again replaces an unconfirmed secret, so a half-finished setup never lingers."""
    row = authenticator(user)
    if row is not None and row.confirmed_at is not None:
        raise ServiceError("An authenticator app is already set up. Turn two-factor sign-in off to replace it.")
    if row is None:
        row = TotpSecret(user_id=user.id, secret=pyotp.random_base32(32))
        db.session.add(row)
    else:
        row.secret, row.created_at, row.last_step = pyotp.random_base32(32), utcnow(), None
    db.session.commit()
    return row


def provisioning_uri(user: User, row: TotpSecret) -> str:
    """The otpauth:// address an app reads from the QR code."""
    return pyotp.TOTP(row.secret).provisioning_uri(name=user.username, issuer_name=ISSUER)


def qr_svg(data: str) -> str:
    """The QR code as inline SVG, drawn here: no image service sees the secret, and the
    page needs no script or inline style for it (the CSP allows neither)."""
    return segno.make(data, error="m").svg_inline(
        scale=5, border=2, light="#fff", title="QR code for your authenticator app"
    )


def grouped_secret(secret: str) -> str:
    """The secret in groups of four, easier to type into an app by hand."""
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def _accept_totp(row: TotpSecret, code: str | None) -> bool:
    """Whether `code` is the app's code for now (a step either side, for clocks that drift)
    and newer than the last one accepted. The step is recorded by a conditional UPDATE, so
    two requests racing with the same code cannot both pass."""
    digits = re.sub(r"\s", "", code or "")
    if not re.fullmatch(r"\d{6}", digits):
        return False
    totp = pyotp.TOTP(row.secret)
    now = int(time.time()) // STEP_SECONDS
    for step in (now, now - 1, now + 1):
        if hmac.compare_digest(totp.at(step * STEP_SECONDS), digits):
            taken = db.session.execute(
                update(TotpSecret)
                .where(
                    TotpSecret.user_id == row.user_id,
                    or_(TotpSecret.last_step.is_(None), TotpSecret.last_step < step),
                )
                .values(last_step=step)
                .execution_options(synchronize_session=False)
            )
            if taken.rowcount != 1:  # type: ignore[attr-defined]  # a CursorResult for an UPDATE
                return False
            row.last_step = step
            return True
    return False


def confirm_authenticator(user: User, code: str | None) -> list[str]:
    """Turn the authenticator on with a first code from the app. Returns the new recovery
    codes to show once (none when the account already has some, from a security key)."""
    row = authenticator(user)
    if row is None or row.confirmed_at is not None:
        raise ServiceError("Start setting up an authenticator app first.")
    if not _accept_totp(row, code):
        db.session.rollback()
        raise ServiceError(
            "That code is not the one your app shows now. Enter the 6 digits it shows (check the phone's clock).",
            field="code",
        )
    row.confirmed_at = utcnow()
    codes = _first_recovery_codes(user)
    db.session.commit()
    _signed_in_without_it_end(user, codes)
    visibility.forget_principals()  # groups that require two-factor open on this very request
    return codes


# --- recovery codes --------------------------------------------------------------------


def _hash_code(code: str) -> str:
    return hashlib.sha256(_normalize(code).encode()).hexdigest()


def _normalize(code: str | None) -> str:
    return re.sub(r"[\s-]", "", code or "").lower()


def _new_recovery_codes(user: User) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = b32encode(secrets.token_bytes(10)).decode().lower()  # 80 bits, 16 characters
        codes.append("-".join(raw[i : i + 4] for i in range(0, 16, 4)))
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=_hash_code(code)) for code in codes)
    return codes


def _first_recovery_codes(user: User) -> list[str]:
    """New codes when the account has none left unused; else none (the old ones stand)."""
    return [] if recovery_codes_left(user) else _new_recovery_codes(user)


def recovery_codes_left(user: User) -> int:
    return (
        db.session.scalar(select(func.count()).where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)))
        or 0
    )


def renew_recovery_codes(user: User, password: str | None) -> list[str]:
    """Ten new codes in place of every old one; asks for the password."""
    if not is_enabled(user):
        raise ServiceError("Turn on two-factor sign-in first.")
    if not check_password_hash(user.password_hash, password or ""):
        raise ServiceError("That is not your password.", field="password")
    codes = _new_recovery_codes(user)
    db.session.commit()
    return codes


def _use_recovery_code(user: User, code: str | None) -> bool:
    if len(_normalize(code)) != 16:
        return False
    used = db.session.execute(
        update(RecoveryCode)
        .where(
            RecoveryCode.user_id == user.id,
            RecoveryCode.code_hash == _hash_code(code or ""),
            RecoveryCode.used_at.is_(None),
        )
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return used.rowcount == 1  # type: ignore[attr-defined]  # a CursorResult for an UPDATE


# --- the second step and turning it off ------------------------------------------------


def check_code(user: User, code: str | None) -> str | None:
    """The second step with a typed code: "authenticator" or "recovery code" when it is
    right (and now spent), None when not. Commits either way: a spent code stays spent."""
    row = authenticator(user)
    accepted = None
    if row is not None and row.confirmed_at is not None and _accept_totp(row, code):
        accepted = "authenticator"
    elif _use_recovery_code(user, code):
        accepted = "recovery code"
    db.session.commit()
    return accepted


def turn_off(user: User, *, code: str | None = None, password: str | None = None) -> None:
    """Remove every second factor (authenticator, security keys, recovery codes), proven
    by a current code or the account's password."""
    if not is_enabled(user):
        raise ServiceError("Two-factor sign-in is already off.")
    if password:
        if not check_password_hash(user.password_hash, password):
            raise ServiceError("That is not your password.", field="password")
    elif not code or check_code(user, code) is None:
        raise ServiceError("Enter a current code from your app, a recovery code, or your password.", field="code")
    for model in (TotpSecret, SecurityKey, RecoveryCode):
        db.session.execute(delete(model).where(model.user_id == user.id))
    db.session.commit()
    visibility.forget_principals()


# --- security keys (WebAuthn) ----------------------------------------------------------


def security_keys(user: User) -> list[SecurityKey]:
    return list(db.session.scalars(select(SecurityKey).where(SecurityKey.user_id == user.id).order_by(SecurityKey.id)))


def registration_options(user: User, rp_id: str) -> tuple[str, bytes]:
    """(options for navigator.credentials.create as JSON, the challenge to keep)."""
    options = generate_registration_options(
        rp_id=rp_id,
        rp_name=ISSUER,
        user_id=f"forum-user-{user.id}".encode(),
        user_name=user.username,
        user_display_name=user.display_name or user.username,
        exclude_credentials=[PublicKeyCredentialDescriptor(id=key.credential_id) for key in security_keys(user)],
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.DISCOURAGED,
            user_verification=UserVerificationRequirement.DISCOURAGED,
        ),
    )
    return options_to_json(options), options.challenge


def register_key(
    user: User, name: str | None, credential: str | dict, challenge: bytes, rp_id: str, origin: str
) -> tuple[SecurityKey, list[str]]:
    """Keep a new key once its answer to `challenge` checks out. Returns the key and the
    recovery codes to show once (none when the account already has some)."""
    name = " ".join((name or "").split())
    if not 1 <= len(name) <= KEY_NAME_MAX:
        raise ServiceError(f"Name your key (1 to {KEY_NAME_MAX} characters), e.g. “blue key on my keyring”.", "name")
    try:
        verified = verify_registration_response(
            credential=credential, expected_challenge=challenge, expected_rp_id=rp_id, expected_origin=origin
        )
    except (InvalidRegistrationResponse, ValueError, KeyError, TypeError):
        raise ServiceError("The key's answer could not be verified. Try again, or try another key.") from None
    taken = db.session.scalar(select(SecurityKey.id).where(SecurityKey.credential_id == verified.credential_id))
    if taken is not None:
        raise ServiceError("That key is already registered.")
    key = SecurityKey(
        user_id=user.id,
        name=name,
        credential_id=verified.credential_id,
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
    )
    db.session.add(key)
    codes = _first_recovery_codes(user)
    db.session.commit()
    _signed_in_without_it_end(user, codes)
    visibility.forget_principals()
    return key, codes


def _signed_in_without_it_end(user: User, first_codes: list[str]) -> None:
    """When two-factor sign-in is first turned on, every other session (a remember cookie
    on a forgotten laptop, a copied cookie) was signed in without it: they end, this one stays."""
    if first_codes:
        sessions.end_other_sessions(user)


def remove_key(user: User, key_id: int) -> SecurityKey:
    key = db.session.get(SecurityKey, key_id)
    if key is None or key.user_id != user.id:
        raise ServiceError("No such key.", status=404)
    row = authenticator(user)
    others = len(security_keys(user)) - 1 + (1 if row is not None and row.confirmed_at is not None else 0)
    if others == 0:
        raise ServiceError(
            "This is your last second factor: turn two-factor sign-in off instead "
            "(it asks for a code or your password)."
        )
    db.session.delete(key)
    db.session.commit()
    return key


def authentication_options(user: User, rp_id: str) -> tuple[str, bytes]:
    """(options for navigator.credentials.get as JSON, the challenge to keep); only this
    account's keys are allowed."""
    options = generate_authentication_options(
        rp_id=rp_id,
        allow_credentials=[PublicKeyCredentialDescriptor(id=key.credential_id) for key in security_keys(user)],
        user_verification=UserVerificationRequirement.DISCOURAGED,
    )
    return options_to_json(options), options.challenge


def check_key(user: User, credential: str | dict, challenge: bytes, rp_id: str, origin: str) -> bool:
    """The second step with a security key: whether one of this account's keys signed
    `challenge`. A signature counter that goes back marks a cloned key: refused."""
    try:
        data = json.loads(credential) if isinstance(credential, str) else credential
        credential_id = base64url_to_bytes(data["rawId"])
    except (ValueError, KeyError, TypeError):
        return False
    key = db.session.scalar(
        select(SecurityKey).where(SecurityKey.user_id == user.id, SecurityKey.credential_id == credential_id)
    )
    if key is None:
        return False
    try:
        verified = verify_authentication_response(
            credential=data,
            expected_challenge=challenge,
            expected_rp_id=rp_id,
            expected_origin=origin,
            credential_public_key=key.public_key,
            credential_current_sign_count=key.sign_count,
        )
    except (InvalidAuthenticationResponse, ValueError, KeyError, TypeError):
        return False
    key.sign_count, key.last_used_at = verified.new_sign_count, utcnow()
    db.session.commit()
    return True
