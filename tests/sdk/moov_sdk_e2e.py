#!/usr/bin/env python3
"""End-to-end check of Pennydrop against the official Moov Python SDK (moovio-sdk).

Only the SDK's typed API is used; nothing here speaks raw HTTP. If the server returns a
shape the SDK cannot parse, the SDK raises ResponseValidationError and this script fails.

Environment:
  PENNYDROP_BASE_URL     e.g. http://127.0.0.1:8080   (required)
  PENNYDROP_PUBLIC_KEY   HTTP Basic username          (required)
  PENNYDROP_SECRET_KEY   HTTP Basic password          (required)
  PENNYDROP_ROUTING      routing number to link       (default 021000021, valid ABA check digit)
  PENNYDROP_MICRO_AMOUNTS  amounts for `micro-deposits`, cents, comma-separated (default "0,0")
  PENNYDROP_VERIFY_CODE  code for `instant-verification` (default MV0001)
  PENNYDROP_SDK_DEBUG=1  log every request/response the SDK makes

Usage:
  moov_sdk_e2e.py foundation              accounts + bank-account link/get/list/disable
  moov_sdk_e2e.py ping                    GET /ping
  moov_sdk_e2e.py micro-deposits          initiate + complete classic micro-deposits
  moov_sdk_e2e.py instant-verification    initiate / get / complete instant verification
  moov_sdk_e2e.py payment-methods         payment methods of an unverified bank account
  moov_sdk_e2e.py access-token            POST /oauth2/token (client credentials)
  moov_sdk_e2e.py all                     every flow above, in order
Several flows may be given; they run in order. Exit status 0 only if every step passed.

The `micro-deposits`, `instant-verification`, `payment-methods` and `access-token` flows
encode Moov's documented sandbox behaviour (amounts [0,0], code MV0001, ...). They are
provisional until the server's own decisions are written down; adjust them with the env
vars above or by editing the flow.
"""

from __future__ import annotations

import logging
import os
import re
import sys
import traceback
import uuid
from typing import Callable, Dict, List

import httpx
from moovio_sdk import Moov
from moovio_sdk.models import components, errors

SDK_VERSION_EXPECTED = "26.8.6"


class StepFailed(Exception):
    pass


# --------------------------------------------------------------------------- helpers

_step_no = 0


def step(msg: str) -> None:
    global _step_no
    _step_no += 1
    print(f"[{_step_no:02d}] ok   {msg}", flush=True)


def check(cond: bool, msg: str) -> None:
    if not cond:
        raise StepFailed(msg)


def eq(actual, expected, what: str) -> None:
    # Open enums: the SDK gives an Enum member for known values and a plain str for unknown ones.
    a = getattr(actual, "value", actual)
    e = getattr(expected, "value", expected)
    if a != e:
        raise StepFailed(f"{what}: expected {e!r}, got {a!r}")


def expect_status(fn: Callable[[], object], status: int, exc_type, what: str):
    """Run fn, require it to raise exc_type with the given HTTP status; return the error."""
    try:
        fn()
    except exc_type as e:  # type: ignore[misc]
        if e.status_code != status:
            raise StepFailed(f"{what}: expected HTTP {status}, got {e.status_code}: {e.body!r}")
        return e
    except errors.MoovError as e:
        raise StepFailed(
            f"{what}: expected {exc_type.__name__} with HTTP {status}, got "
            f"{type(e).__name__} HTTP {e.status_code}: {e}"
        )
    raise StepFailed(f"{what}: expected HTTP {status} ({exc_type.__name__}), call succeeded")


def env(name: str, default: str | None = None) -> str:
    v = os.environ.get(name, default)
    if v is None or v == "":
        raise StepFailed(f"environment variable {name} is required")
    return v


def aba_valid(routing: str) -> bool:
    if not re.fullmatch(r"\d{9}", routing):
        return False
    d = [int(c) for c in routing]
    s = 3 * (d[0] + d[3] + d[6]) + 7 * (d[1] + d[4] + d[7]) + (d[2] + d[5])
    return (10 - s % 10) % 10 == d[8]


def random_account_number() -> str:
    # 12 digits, unique per run so relink/dedup checks are meaningful.
    return str(uuid.uuid4().int)[:12]


def make_client() -> Moov:
    base = env("PENNYDROP_BASE_URL")
    kwargs = {}
    if os.environ.get("PENNYDROP_SDK_DEBUG") == "1":
        logging.basicConfig(level=logging.DEBUG)
        kwargs["debug_logger"] = logging.getLogger("moovio_sdk")
    return Moov(
        server_url=base,
        security=components.Security(
            username=env("PENNYDROP_PUBLIC_KEY"),
            password=env("PENNYDROP_SECRET_KEY"),
        ),
        timeout_ms=30_000,
        **kwargs,
    )


class Ctx:
    """State shared by flows within one run."""

    def __init__(self, moov: Moov):
        self.moov = moov
        self.routing = env("PENNYDROP_ROUTING", "021000021")
        check(aba_valid(self.routing), f"PENNYDROP_ROUTING {self.routing} fails the ABA check digit")

    # Building blocks reused by several flows -------------------------------------

    def create_individual_account(self, tag: str) -> components.Account:
        foreign_id = f"pennydrop-e2e-{tag}-{uuid.uuid4()}"
        email = f"e2e+{uuid.uuid4().hex[:12]}@example.com"
        res = self.moov.accounts.create(
            account_type=components.CreateAccountType.INDIVIDUAL,
            profile=components.CreateProfile(
                individual=components.CreateIndividualProfile(
                    name=components.IndividualName(first_name="Jane", last_name="Doe"),
                    email=email,
                )
            ),
            foreign_id=foreign_id,
            metadata={"suite": "moov-sdk-e2e", "flow": tag},
        )
        acct = res.result
        check(bool(acct.account_id), "created account has an empty accountID")
        eq(acct.account_type, "individual", "account.accountType")
        eq(acct.foreign_id, foreign_id, "account.foreignID")
        eq(acct.metadata, {"suite": "moov-sdk-e2e", "flow": tag}, "account.metadata")
        check(acct.profile.individual is not None, "account.profile.individual missing")
        eq(acct.profile.individual.name.first_name, "Jane", "profile.individual.name.firstName")
        eq(acct.profile.individual.name.last_name, "Doe", "profile.individual.name.lastName")
        eq(acct.profile.individual.email, email, "profile.individual.email")
        check(bool(acct.display_name), "account.displayName is empty")
        return acct

    def link_checking(self, account_id: str, account_number: str) -> components.BankAccount:
        res = self.moov.bank_accounts.link(
            account_id=account_id,
            link_bank_account=components.BankAccountPayload(
                account=components.BankAccountIntegration(
                    holder_name="Jane Doe",
                    holder_type=components.BankAccountHolderType.INDIVIDUAL,
                    account_number=account_number,
                    bank_account_type=components.BankAccountType.CHECKING,
                    routing_number=self.routing,
                )
            ),
        )
        return res.result

    def check_new_bank_account(self, ba: components.BankAccount, account_number: str, what: str) -> None:
        check(bool(ba.bank_account_id), f"{what}: empty bankAccountID")
        eq(ba.status, "new", f"{what}.status")
        eq(ba.status_reason, "bank-account-created", f"{what}.statusReason")
        eq(ba.last_four_account_number, account_number[-4:], f"{what}.lastFourAccountNumber")
        eq(ba.routing_number, self.routing, f"{what}.routingNumber")
        check(len(ba.fingerprint) == 64, f"{what}.fingerprint length {len(ba.fingerprint)} != 64")
        check(account_number not in ba.fingerprint, f"{what}.fingerprint contains the account number")
        eq(ba.holder_type, "individual", f"{what}.holderType")
        eq(ba.bank_account_type, "checking", f"{what}.bankAccountType")
        eq(ba.holder_name, "Jane Doe", f"{what}.holderName")
        check(bool(ba.bank_name), f"{what}.bankName is empty")

    def new_account_with_bank(self, tag: str):
        acct = self.create_individual_account(tag)
        number = random_account_number()
        ba = self.link_checking(acct.account_id, number)
        self.check_new_bank_account(ba, number, "bankAccount")
        return acct, ba, number


# --------------------------------------------------------------------------- flows

def flow_ping(ctx: Ctx) -> None:
    res = ctx.moov.ping.ping()
    check(res is not None, "ping returned nothing")
    step("ping: GET /ping -> 200")


def flow_foundation(ctx: Ctx) -> None:
    moov = ctx.moov

    acct = ctx.create_individual_account("foundation")
    aid = acct.account_id
    step(f"accounts.create: individual account {aid} (name, email, foreignID, metadata)")

    got = moov.accounts.get(account_id=aid).result
    eq(got.account_id, aid, "accounts.get accountID")
    eq(got.foreign_id, acct.foreign_id, "accounts.get foreignID")
    eq(got.metadata, acct.metadata, "accounts.get metadata")
    eq(got.profile.individual.email, acct.profile.individual.email, "accounts.get email")
    step("accounts.get: same account, same fields")

    listed = moov.accounts.list(foreign_id=acct.foreign_id).result
    check(any(a.account_id == aid for a in listed),
          f"accounts.list(foreignID=...) does not contain {aid} ({len(listed)} returned)")
    step(f"accounts.list: contains {aid}")

    expect_status(lambda: moov.accounts.get(account_id=str(uuid.uuid4())), 404, errors.APIError,
                  "accounts.get unknown id")
    step("accounts.get unknown id: APIError 404")

    number = random_account_number()
    ba = ctx.link_checking(aid, number)
    ctx.check_new_bank_account(ba, number, "bank_accounts.link")
    bid = ba.bank_account_id
    step(f"bank_accounts.link: {bid} status=new reason=bank-account-created last4={ba.last_four_account_number}")

    ba2 = ctx.link_checking(aid, number)
    eq(ba2.bank_account_id, bid, "relink bankAccountID")
    eq(ba2.fingerprint, ba.fingerprint, "relink fingerprint")
    step("bank_accounts.link again (same details): same bankAccountID and fingerprint")

    other_number = random_account_number()
    ba3 = ctx.link_checking(aid, other_number)
    check(ba3.bank_account_id != bid, "different account number produced the same bankAccountID")
    check(ba3.fingerprint != ba.fingerprint, "different account number produced the same fingerprint")
    step("bank_accounts.link (different number): new bankAccountID and fingerprint")

    got_ba = moov.bank_accounts.get(account_id=aid, bank_account_id=bid).result
    ctx.check_new_bank_account(got_ba, number, "bank_accounts.get")
    eq(got_ba.bank_account_id, bid, "bank_accounts.get bankAccountID")
    eq(got_ba.fingerprint, ba.fingerprint, "bank_accounts.get fingerprint")
    step("bank_accounts.get: same typed fields")

    lst = moov.bank_accounts.list(account_id=aid).result
    ids = [b.bank_account_id for b in lst]
    check(bid in ids, f"bank_accounts.list does not contain {bid}: {ids}")
    check(ids.count(bid) == 1, f"bank_accounts.list contains {bid} {ids.count(bid)} times")
    step(f"bank_accounts.list: {len(lst)} bank accounts, contains {bid} once")

    expect_status(lambda: moov.bank_accounts.get(account_id=aid, bank_account_id=str(uuid.uuid4())),
                  404, errors.APIError, "bank_accounts.get unknown id")
    step("bank_accounts.get unknown id: APIError 404")

    moov.bank_accounts.disable(account_id=aid, bank_account_id=bid)
    step("bank_accounts.disable: 204")

    err = expect_status(lambda: moov.bank_accounts.get(account_id=aid, bank_account_id=bid),
                        404, errors.APIError, "bank_accounts.get after disable")
    step(f"bank_accounts.get after disable: {type(err).__name__} {err.status_code}")

    lst = moov.bank_accounts.list(account_id=aid).result
    check(bid not in [b.bank_account_id for b in lst], "disabled bank account still listed")
    step("bank_accounts.list after disable: not listed")


def flow_micro_deposits(ctx: Ctx) -> None:
    moov = ctx.moov
    acct, ba, _ = ctx.new_account_with_bank("micro-deposits")
    aid, bid = acct.account_id, ba.bank_account_id
    step(f"setup: account {aid}, bank account {bid}")

    moov.bank_accounts.initiate_micro_deposits(account_id=aid, bank_account_id=bid)
    step("bank_accounts.initiate_micro_deposits: 204")

    got = moov.bank_accounts.get(account_id=aid, bank_account_id=bid).result
    eq(got.status, "pending", "status after initiating micro-deposits")
    eq(got.status_reason, "verification-initiated", "statusReason after initiating micro-deposits")
    step("bank_accounts.get: status=pending reason=verification-initiated")

    amounts = [int(x) for x in env("PENNYDROP_MICRO_AMOUNTS", "0,0").split(",")]
    res = moov.bank_accounts.complete_micro_deposits(account_id=aid, bank_account_id=bid, amounts=amounts)
    eq(res.result.status, "verified", "complete_micro_deposits status")
    step(f"bank_accounts.complete_micro_deposits({amounts}): status=verified")

    got = moov.bank_accounts.get(account_id=aid, bank_account_id=bid).result
    eq(got.status, "verified", "bank account status after micro-deposits")
    step("bank_accounts.get: status=verified")

    e = expect_status(
        lambda: moov.bank_accounts.initiate_micro_deposits(account_id=aid, bank_account_id=bid),
        409, errors.GenericError, "initiate_micro_deposits on verified account")
    step(f"initiate_micro_deposits on verified account: GenericError 409 error={e.data.error!r}")


def flow_instant_verification(ctx: Ctx) -> None:
    moov = ctx.moov
    acct, ba, _ = ctx.new_account_with_bank("instant-verification")
    aid, bid = acct.account_id, ba.bank_account_id
    step(f"setup: account {aid}, bank account {bid}")

    expect_status(lambda: moov.bank_accounts.get_verification(account_id=aid, bank_account_id=bid),
                  404, errors.APIError, "get_verification before initiate")
    step("bank_accounts.get_verification before initiate: APIError 404")

    created = moov.bank_accounts.initiate_verification(
        account_id=aid, bank_account_id=bid,
        x_wait_for=components.BankAccountWaitFor.RAIL_RESPONSE,
    ).result
    check(getattr(created.status, "value", created.status) in ("new", "sent-credit"),
          f"initiate_verification status {created.status!r}")
    check(getattr(created.verification_method, "value", created.verification_method) in ("instant", "ach"),
          f"initiate_verification verificationMethod {created.verification_method!r}")
    step(f"bank_accounts.initiate_verification: status={getattr(created.status, 'value', created.status)} "
         f"method={getattr(created.verification_method, 'value', created.verification_method)}")

    v = moov.bank_accounts.get_verification(account_id=aid, bank_account_id=bid).result
    check(bool(v.status), "get_verification status empty")
    step(f"bank_accounts.get_verification: status={getattr(v.status, 'value', v.status)}")

    code = env("PENNYDROP_VERIFY_CODE", "MV0001")
    wrong = "MV9998" if code.upper().endswith("9999") else "MV9999"
    e = expect_status(
        lambda: moov.bank_accounts.complete_verification(account_id=aid, bank_account_id=bid, code=wrong),
        409, errors.GenericError, "complete_verification wrong code")
    step(f"bank_accounts.complete_verification({wrong}) wrong code: GenericError 409 error={e.data.error!r}")

    done = moov.bank_accounts.complete_verification(account_id=aid, bank_account_id=bid, code=code).result
    eq(done.status, "successful", "complete_verification status")
    step(f"bank_accounts.complete_verification({code}): status=successful")

    got = moov.bank_accounts.get(account_id=aid, bank_account_id=bid).result
    eq(got.status, "verified", "bank account status after instant verification")
    eq(got.status_reason, "verification-successful", "statusReason after instant verification")
    step("bank_accounts.get: status=verified reason=verification-successful")


def flow_payment_methods(ctx: Ctx) -> None:
    moov = ctx.moov
    acct, ba, _ = ctx.new_account_with_bank("payment-methods")
    aid, bid = acct.account_id, ba.bank_account_id
    step(f"setup: account {aid}, bank account {bid}")

    pms = moov.payment_methods.list(account_id=aid, source_id=bid).result
    types = sorted(getattr(p.payment_method_type, "value", p.payment_method_type) for p in pms)
    check("ach-credit-standard" in types and "ach-credit-same-day" in types,
          f"unverified bank account payment methods {types}")
    check("ach-debit-fund" not in types and "ach-debit-collect" not in types,
          f"unverified bank account must not have debit methods: {types}")
    for p in pms:
        eq(p.bank_account.bank_account_id, bid, "paymentMethod.bankAccount.bankAccountID")
    step(f"payment_methods.list(sourceID): {types}")


def flow_access_token(ctx: Ctx) -> None:
    moov = ctx.moov
    tok = moov.authentication.create_access_token(
        grant_type=components.GrantType.CLIENT_CREDENTIALS,
        client_id=env("PENNYDROP_PUBLIC_KEY"),
        client_secret=env("PENNYDROP_SECRET_KEY"),
        scope="/accounts.write",
    ).result
    eq(tok.token_type, "Bearer", "token_type")
    check(bool(tok.access_token), "access_token empty")
    check(tok.expires_in > 0, f"expires_in {tok.expires_in}")
    step(f"authentication.create_access_token: Bearer, expires_in={tok.expires_in}, scope={tok.scope!r}")

    # The SDK only models Basic auth; a bearer token is sent by overriding the header per call.
    acct = ctx.create_individual_account("access-token-probe")
    got = moov.accounts.list(http_headers={"Authorization": f"Bearer {tok.access_token}"},
                             foreign_id=acct.foreign_id).result
    check(isinstance(got, list), "accounts.list with bearer token did not return a list")
    step("accounts.list with Authorization: Bearer <token>: 200")


FLOWS: Dict[str, Callable[[Ctx], None]] = {
    "foundation": flow_foundation,
    "ping": flow_ping,
    "micro-deposits": flow_micro_deposits,
    "instant-verification": flow_instant_verification,
    "payment-methods": flow_payment_methods,
    "access-token": flow_access_token,
}


def main(argv: List[str]) -> int:
    names = argv[1:] or ["foundation"]
    if names == ["all"]:
        names = list(FLOWS)
    unknown = [n for n in names if n not in FLOWS]
    if unknown or any(n in ("-h", "--help") for n in names):
        print(__doc__)
        return 2 if unknown else 0

    try:
        import importlib.metadata as md
        ver = md.version("moovio-sdk")
    except Exception:
        ver = "?"
    print(f"moovio-sdk {ver} against {os.environ.get('PENNYDROP_BASE_URL', '<unset>')}", flush=True)
    if ver != SDK_VERSION_EXPECTED:
        print(f"warning: expected moovio-sdk {SDK_VERSION_EXPECTED}", flush=True)

    current = "setup"
    try:
        ctx = Ctx(make_client())
        for name in names:
            current = name
            print(f"== {name}", flush=True)
            FLOWS[name](ctx)
    except StepFailed as e:
        print(f"FAIL [{current}] {e}", file=sys.stderr, flush=True)
        return 1
    except errors.ResponseValidationError as e:
        print(f"FAIL [{current}] SDK could not parse HTTP {e.status_code} response: {e.message}\n"
              f"  body: {e.body[:2000]}", file=sys.stderr, flush=True)
        return 1
    except errors.MoovError as e:
        req = e.raw_response.request
        print(f"FAIL [{current}] {type(e).__name__} HTTP {e.status_code} on {req.method} {req.url}: "
              f"{e.body[:2000]!r}", file=sys.stderr, flush=True)
        return 1
    except httpx.HTTPError as e:  # connection refused, timeouts
        print(f"FAIL [{current}] {type(e).__name__}: {e} (is the server running at "
              f"{os.environ.get('PENNYDROP_BASE_URL')}?)", file=sys.stderr, flush=True)
        return 1
    except Exception as e:  # bugs in this script
        traceback.print_exc()
        print(f"FAIL [{current}] {type(e).__name__}: {e}", file=sys.stderr, flush=True)
        return 1
    print(f"PASS {' '.join(names)} ({_step_no} steps)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
