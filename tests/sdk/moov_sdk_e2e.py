#!/usr/bin/env python3
"""End-to-end check of Pennydrop against the official Moov Python SDK (moovio-sdk).

Only the SDK's typed API is used, with one exception: the simulated bank's statement
(GET /simulator/accounts/{routingNumber}/{accountNumber}/transactions) is not part of Moov's
API, so the production flows read it with httpx to learn the verification code, the way an
account holder would read it in their banking app. If the server returns a shape the SDK
cannot parse, the SDK raises ResponseValidationError and this script fails.

Environment:
  PENNYDROP_BASE_URL       e.g. http://127.0.0.1:8080   (required)
  PENNYDROP_PUBLIC_KEY     HTTP Basic username          (required)
  PENNYDROP_SECRET_KEY     HTTP Basic password          (required)
  PENNYDROP_ROUTING        routing number to link (default 021000021, valid ABA check digit; the
                           production flows need one the simulated network reaches over RTP)
  PENNYDROP_INSTANT_CAPABLE  1/0: whether PENNYDROP_ROUTING gets rtp-credit (default 1 for
                           021000021, otherwise unchecked)
  PENNYDROP_COMPANY_NAME   company name expected on the statement (default PENNYDROP)
  PENNYDROP_SDK_DEBUG=1    log every request/response the SDK makes

Usage:
  moov_sdk_e2e.py foundation                       accounts + bank-account link/get/list/disable
  moov_sdk_e2e.py accounts                         business + individual accounts: create, unfiltered
                                                   list, get, update, disconnect
  moov_sdk_e2e.py ping                             GET /ping
  moov_sdk_e2e.py sandbox-micro-deposits           sandbox key: initiate, complete with [0,0],
                                                   bank account verified, debit methods appear
  moov_sdk_e2e.py sandbox-instant                  sandbox key: instant verification with MV0001
  moov_sdk_e2e.py payment-methods                  payment methods of an unverified bank account,
                                                   link with x-wait-for: payment-method
  moov_sdk_e2e.py access-token                     POST /oauth2/token (client credentials)
  moov_sdk_e2e.py webhooks                         webhooks: event types, create, secret, ping; a
                                                   receiver on loopback checks both signatures (the
                                                   body one with the standardwebhooks package) and
                                                   parses events with the SDK (the server must allow
                                                   127.0.0.0/8: --webhook-allow-networks)
  moov_sdk_e2e.py production-instant               production key: RTP credit on the simulated
                                                   network, code read from the statement
  moov_sdk_e2e.py production-instant-max-attempts  production key: five wrong codes exhaust
                                                   the verification
Groups:
  sandbox-all      foundation accounts ping sandbox-micro-deposits sandbox-instant payment-methods access-token
                   webhooks
  production-all   production-instant production-instant-max-attempts production-micro-deposits
                   production-returns (these two also need PENNYDROP_OPERATOR_PUBLIC_KEY and
                   PENNYDROP_OPERATOR_SECRET_KEY, an operator key for POST /admin/ach/cutoffs)
  all              same as sandbox-all
Aliases: micro-deposits = sandbox-micro-deposits, instant-verification = sandbox-instant.

Several flows or groups may be given; they run in order. Exit status 0 only if every step
passed. The sandbox flows need a sandbox key (`pennydrop serve` prints one on first start);
the production flows need a production key (`pennydrop api-keys create --name NAME`) and the
simulated bank network (`serve --simulator true`, the default).

Sandbox secrets are fixed: micro-deposit amounts [0, 0] and instant code MV0001.
"""

from __future__ import annotations

import logging
import os
import re
import sys
import traceback
import uuid
from typing import Callable, Dict, List, Optional

import httpx
from moovio_sdk import Moov
from moovio_sdk.models import components, errors

SDK_VERSION_EXPECTED = "26.8.6"

SANDBOX_AMOUNTS = [0, 0]
SANDBOX_CODE = "MV0001"
INSTANT_ATTEMPTS = 5

CREDIT_METHODS = {"ach-credit-standard", "ach-credit-same-day"}
DEBIT_METHODS = {"ach-debit-fund", "ach-debit-collect"}


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


def val(x):
    """Open enums: the SDK gives an Enum member for known values and a plain str for unknown ones."""
    return getattr(x, "value", x)


def eq(actual, expected, what: str) -> None:
    a = val(actual)
    e = val(expected)
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


def generic_error_text(e: errors.GenericError, what: str) -> str:
    msg = e.data.error
    check(isinstance(msg, str) and msg != "", f"{what}: GenericError without an error message: {e.body!r}")
    return msg


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
    # 12 digits, unique per run so relink/dedup checks are meaningful and a fresh simulated
    # statement holds only this run's credits. Never one of the simulator's 10-digit magic numbers.
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
        capable = os.environ.get("PENNYDROP_INSTANT_CAPABLE")
        if capable is not None and capable != "":
            self.instant_capable: Optional[bool] = capable not in ("0", "false", "no")
        else:
            self.instant_capable = True if self.routing == "021000021" else None
        self.company_name = env("PENNYDROP_COMPANY_NAME", "PENNYDROP")

    # Building blocks reused by several flows -------------------------------------

    def create_individual_account(self, tag: str) -> components.Account:
        foreign_id = f"e2e-{tag[:24]}-{uuid.uuid4().hex}"  # foreignID is at most 64 characters
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

    def link_checking(self, account_id: str, account_number: str,
                      wait_for: Optional[components.BankAccountWaitFor] = None) -> components.BankAccount:
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
            x_wait_for=wait_for,
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

    def new_account_with_bank(self, tag: str, wait_for: Optional[components.BankAccountWaitFor] = None):
        acct = self.create_individual_account(tag)
        number = random_account_number()
        ba = self.link_checking(acct.account_id, number, wait_for)
        self.check_new_bank_account(ba, number, "bankAccount")
        return acct, ba, number

    def expected_unverified_methods(self) -> Optional[set]:
        """The exact set for an unverified bank account, or None when rtp-credit is unknown."""
        if self.instant_capable is None:
            return None
        return CREDIT_METHODS | ({"rtp-credit"} if self.instant_capable else set())

    def check_method_types(self, types: List[str], verified: bool, what: str) -> None:
        check(len(types) == len(set(types)), f"{what}: duplicate payment method types {types}")
        got = set(types)
        base = self.expected_unverified_methods()
        if base is None:
            base = CREDIT_METHODS | (got & {"rtp-credit"})
        expected = base | (DEBIT_METHODS if verified else set())
        check(got == expected, f"{what}: payment methods {sorted(got)}, expected {sorted(expected)}")

    def list_methods(self, aid: str, bid: str, verified: bool, what: str) -> Dict[str, str]:
        """payment_methods.list(sourceID=bid), checked; returns {type: paymentMethodID}."""
        pms = self.moov.payment_methods.list(account_id=aid, source_id=bid).result
        types = [val(p.payment_method_type) for p in pms]
        self.check_method_types(types, verified, what)
        for p in pms:
            eq(p.bank_account.bank_account_id, bid, f"{what}: paymentMethod.bankAccount.bankAccountID")
            eq(p.bank_account.status, "verified" if verified else p.bank_account.status,
               f"{what}: paymentMethod.bankAccount.status")
            check(bool(p.payment_method_id), f"{what}: empty paymentMethodID")
        ids = {val(p.payment_method_type): p.payment_method_id for p in pms}
        check(len(set(ids.values())) == len(ids), f"{what}: duplicate paymentMethodIDs {ids}")
        return ids

    def bank_account(self, aid: str, bid: str) -> components.BankAccount:
        return self.moov.bank_accounts.get(account_id=aid, bank_account_id=bid).result

    def check_bank_status(self, aid: str, bid: str, status: str, reason: str, what: str) -> None:
        got = self.bank_account(aid, bid)
        eq(got.status, status, f"{what}: bankAccount.status")
        eq(got.status_reason, reason, f"{what}: bankAccount.statusReason")

    def statement_code(self, account_number: str) -> str:
        """Reads the simulated bank statement (raw HTTP: not a Moov API) and returns the 4 digits
        of the single verification credit on it."""
        base = env("PENNYDROP_BASE_URL").rstrip("/")
        url = f"{base}/simulator/accounts/{self.routing}/{account_number}/transactions"
        r = httpx.get(url, auth=(env("PENNYDROP_PUBLIC_KEY"), env("PENNYDROP_SECRET_KEY")), timeout=30)
        check(r.status_code == 200,
              f"GET /simulator/accounts/{self.routing}/****{account_number[-4:]}/transactions: "
              f"HTTP {r.status_code} {r.text[:500]!r}")
        body = r.json()
        eq(body.get("routingNumber"), self.routing, "statement.routingNumber")
        eq(body.get("lastFourAccountNumber"), account_number[-4:], "statement.lastFourAccountNumber")
        txs = body.get("transactions")
        check(isinstance(txs, list), f"statement.transactions is not a list: {body!r}")
        credits = [t for t in txs if t.get("description") == "ACCTVERIFY"]
        check(credits != [], f"no ACCTVERIFY line on the simulated statement ({txs!r}); is this a "
                             f"production key? sandbox verifications never reach the simulated network")
        check(len(credits) == 1, f"expected exactly one ACCTVERIFY line on a fresh statement, got {txs!r}")
        t = credits[0]
        eq(t.get("amountCents"), 1, "statement line amountCents")
        eq(t.get("direction"), "credit", "statement line direction")
        eq(t.get("rail"), "rtp", "statement line rail")
        eq(t.get("companyName"), self.company_name, "statement line companyName")
        text = t.get("statementText") or ""
        m = re.fullmatch(re.escape(self.company_name) + r" MV(\d{4})", text)
        check(m is not None, f"statement line statementText {text!r} is not '{self.company_name} MV####'")
        return m.group(1)


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


def flow_accounts(ctx: Ctx) -> None:
    """Both account types through every account route: create, unfiltered list (the tenant's
    own business account is in it), get, update, disconnect."""
    moov = ctx.moov
    person = ctx.create_individual_account("accounts")
    step(f"accounts.create(individual): {person.account_id}")
    business = moov.accounts.create(
        account_type=components.CreateAccountType.BUSINESS,
        profile=components.CreateProfile(business=components.CreateBusinessProfile(
            legal_business_name="Acme Widgets LLC", email="ops@acme.example")),
        foreign_id=f"e2e-business-{uuid.uuid4().hex}",
    ).result
    eq(business.account_type, "business", "business accountType")
    eq(business.profile.business.owners_provided, False, "business ownersProvided")
    eq(business.display_name, "Acme Widgets LLC", "business displayName")
    step(f"accounts.create(business): {business.account_id}, ownersProvided=False")

    everyone = moov.accounts.list(count=250).result
    ids = [a.account_id for a in everyone]
    check(person.account_id in ids and business.account_id in ids, "unfiltered list has both accounts")
    check(any(val(a.account_type) == "business" and a.account_id != business.account_id for a in everyone),
          "unfiltered list has the facilitator's own business account")
    step(f"accounts.list(): {len(everyone)} accounts, facilitator included, all parsed")
    for kind in (components.CreateAccountType.INDIVIDUAL, components.CreateAccountType.BUSINESS):
        some = moov.accounts.list(type_=kind).result
        check(bool(some) and all(val(a.account_type) == val(kind) for a in some), f"list type={val(kind)}")
    step("accounts.list(type=individual|business)")
    eq(moov.accounts.get(account_id=business.account_id).result.profile.business.legal_business_name,
       "Acme Widgets LLC", "accounts.get(business) legalBusinessName")
    step("accounts.get(business)")

    renamed = moov.accounts.update(
        account_id=person.account_id,
        profile=components.PatchProfile(individual=components.PatchIndividual(
            name=components.IndividualNameUpdate(first_name="Janet"))),
        metadata={"suite": "moov-sdk-e2e", "step": "update"},
    ).result
    eq(renamed.display_name, "Janet Doe", "updated displayName")
    eq(renamed.metadata, {"suite": "moov-sdk-e2e", "step": "update"}, "updated metadata")
    owners = moov.accounts.update(
        account_id=business.account_id,
        profile=components.PatchProfile(business=components.PatchBusiness(
            doing_business_as="Acme", owners_provided=True)),
    ).result
    eq(owners.display_name, "Acme", "business displayName after update")
    eq(owners.profile.business.owners_provided, True, "ownersProvided after update")
    step("accounts.update(individual name + metadata, business doingBusinessAs + ownersProvided)")
    e = expect_status(lambda: moov.accounts.update(
        account_id=business.account_id,
        profile=components.PatchProfile(individual=components.PatchIndividual(email="x@example.com"))),
        422, errors.PatchAccountError, "update business with an individual profile")
    check(isinstance(e.data.error, str) and "individual" in e.data.error, f"PatchAccountError.error {e.body!r}")
    step(f"accounts.update(business with individual): PatchAccountError 422 error={e.data.error!r}")

    number = random_account_number()
    ba = ctx.link_checking(person.account_id, number)
    moov.accounts.disconnect(account_id=person.account_id)
    step("accounts.disconnect: 204")
    expect_status(lambda: moov.accounts.get(account_id=person.account_id), 404, errors.APIError,
                  "get a disconnected account")
    expect_status(lambda: moov.bank_accounts.get(account_id=person.account_id, bank_account_id=ba.bank_account_id),
                  404, errors.APIError, "bank account of a disconnected account")
    left = [a.account_id for a in moov.accounts.list(count=250).result]
    check(person.account_id not in left and business.account_id in left, "disconnected account not listed")
    step("after disconnect: account and its bank account 404, not listed")
    facilitator = moov.accounts.list(count=1).result[0]
    e = expect_status(lambda: moov.accounts.disconnect(account_id=facilitator.account_id), 409,
                      errors.GenericError, "disconnect the facilitator")
    step(f"accounts.disconnect(facilitator): GenericError 409 {generic_error_text(e, 'facilitator')!r}")


def flow_sandbox_micro_deposits(ctx: Ctx) -> None:
    moov = ctx.moov
    acct, ba, _ = ctx.new_account_with_bank("sandbox-micro-deposits")
    aid, bid = acct.account_id, ba.bank_account_id
    step(f"setup: account {aid}, bank account {bid}")

    before = ctx.list_methods(aid, bid, verified=False, what="payment methods before verification")
    step(f"payment_methods.list before verification: {sorted(before)}")

    moov.bank_accounts.initiate_micro_deposits(account_id=aid, bank_account_id=bid)
    step("bank_accounts.initiate_micro_deposits: 204")

    ctx.check_bank_status(aid, bid, "pending", "verification-initiated", "after initiating micro-deposits")
    step("bank_accounts.get: status=pending reason=verification-initiated")

    e = expect_status(
        lambda: moov.bank_accounts.initiate_micro_deposits(account_id=aid, bank_account_id=bid),
        409, errors.GenericError, "initiate_micro_deposits while a round is in progress")
    step(f"initiate_micro_deposits again while pending: GenericError 409 "
         f"error={generic_error_text(e, 'initiate_micro_deposits in progress')!r}")

    res = moov.bank_accounts.complete_micro_deposits(account_id=aid, bank_account_id=bid,
                                                     amounts=SANDBOX_AMOUNTS).result
    eq(res.status, "verified", "complete_micro_deposits status")
    step(f"bank_accounts.complete_micro_deposits({SANDBOX_AMOUNTS}): status=verified")

    ctx.check_bank_status(aid, bid, "verified", "verification-successful", "after micro-deposits")
    step("bank_accounts.get: status=verified reason=verification-successful")

    after = ctx.list_methods(aid, bid, verified=True, what="payment methods after micro-deposits")
    for t, pid in before.items():
        eq(after.get(t), pid, f"paymentMethodID of {t} after verification")
    step(f"payment_methods.list after verification: {sorted(after)} (credit method IDs unchanged)")

    res = moov.bank_accounts.complete_micro_deposits(account_id=aid, bank_account_id=bid,
                                                     amounts=SANDBOX_AMOUNTS).result
    eq(res.status, "verified", "complete_micro_deposits repeated status")
    step(f"bank_accounts.complete_micro_deposits({SANDBOX_AMOUNTS}) again: idempotent status=verified")

    e = expect_status(
        lambda: moov.bank_accounts.initiate_micro_deposits(account_id=aid, bank_account_id=bid),
        409, errors.GenericError, "initiate_micro_deposits on verified account")
    step(f"initiate_micro_deposits on verified account: GenericError 409 "
         f"error={generic_error_text(e, 'initiate_micro_deposits verified')!r}")


def flow_sandbox_instant(ctx: Ctx) -> None:
    moov = ctx.moov
    acct, ba, _ = ctx.new_account_with_bank("sandbox-instant")
    aid, bid = acct.account_id, ba.bank_account_id
    step(f"setup: account {aid}, bank account {bid}")

    expect_status(lambda: moov.bank_accounts.get_verification(account_id=aid, bank_account_id=bid),
                  404, errors.APIError, "get_verification before initiate")
    step("bank_accounts.get_verification before initiate: APIError 404")

    created = moov.bank_accounts.initiate_verification(
        account_id=aid, bank_account_id=bid,
        x_wait_for=components.BankAccountWaitFor.RAIL_RESPONSE,
    ).result
    eq(created.verification_method, "instant", "initiate_verification verificationMethod")
    eq(created.status, "sent-credit", "initiate_verification status")
    step("bank_accounts.initiate_verification(x-wait-for: rail-response): method=instant status=sent-credit")

    v = moov.bank_accounts.get_verification(account_id=aid, bank_account_id=bid).result
    eq(v.verification_method, "instant", "get_verification verificationMethod")
    eq(v.status, "sent-credit", "get_verification status")
    step("bank_accounts.get_verification: method=instant status=sent-credit")

    ctx.check_bank_status(aid, bid, "pending", "verification-initiated", "after initiating instant verification")
    step("bank_accounts.get: status=pending reason=verification-initiated")

    e = expect_status(
        lambda: moov.bank_accounts.initiate_verification(account_id=aid, bank_account_id=bid),
        409, errors.GenericError, "initiate_verification while one is in progress")
    step(f"initiate_verification again while in progress: GenericError 409 "
         f"error={generic_error_text(e, 'initiate_verification in progress')!r}")

    wrong = "MV9999"
    e = expect_status(
        lambda: moov.bank_accounts.complete_verification(account_id=aid, bank_account_id=bid, code=wrong),
        409, errors.GenericError, "complete_verification wrong code")
    msg = generic_error_text(e, "complete_verification wrong code")
    eq(msg, f"the code provided is incorrect; {INSTANT_ATTEMPTS - 1} attempt(s) left",
       "complete_verification wrong code error")
    step(f"bank_accounts.complete_verification({wrong}) wrong code: GenericError 409 error={msg!r}")

    done = moov.bank_accounts.complete_verification(account_id=aid, bank_account_id=bid,
                                                    code=SANDBOX_CODE).result
    eq(done.status, "successful", "complete_verification status")
    eq(done.verification_method, "instant", "complete_verification verificationMethod")
    step(f"bank_accounts.complete_verification({SANDBOX_CODE}): status=successful")

    v = moov.bank_accounts.get_verification(account_id=aid, bank_account_id=bid).result
    eq(v.status, "successful", "get_verification status after completion")
    step("bank_accounts.get_verification: status=successful")

    ctx.check_bank_status(aid, bid, "verified", "verification-successful", "after instant verification")
    step("bank_accounts.get: status=verified reason=verification-successful")

    after = ctx.list_methods(aid, bid, verified=True, what="payment methods after instant verification")
    step(f"payment_methods.list after verification: {sorted(after)}")


def flow_payment_methods(ctx: Ctx) -> None:
    moov = ctx.moov
    acct, ba, number = ctx.new_account_with_bank("payment-methods",
                                                 wait_for=components.BankAccountWaitFor.PAYMENT_METHOD)
    aid, bid = acct.account_id, ba.bank_account_id
    step(f"setup: account {aid}, bank account {bid} linked with x-wait-for: payment-method")

    check(ba.payment_methods is not None, "link with x-wait-for: payment-method returned no paymentMethods")
    linked = {val(p.payment_method_type): p.payment_method_id for p in ba.payment_methods}
    ctx.check_method_types([val(p.payment_method_type) for p in ba.payment_methods], False,
                           "link response paymentMethods")
    step(f"bank_accounts.link response paymentMethods: {sorted(linked)}")

    ids = ctx.list_methods(aid, bid, verified=False, what="payment_methods.list(sourceID)")
    eq(ids, linked, "payment_methods.list {type: paymentMethodID} vs link response")
    step(f"payment_methods.list(sourceID): {sorted(ids)}, same IDs as the link response")

    all_pms = moov.payment_methods.list(account_id=aid).result
    check({p.payment_method_id for p in all_pms} == set(ids.values()),
          f"payment_methods.list without sourceID differs: {[p.payment_method_id for p in all_pms]}")
    step("payment_methods.list (no filter): same methods")

    only = moov.payment_methods.list(account_id=aid, source_id=bid,
                                     payment_method_type=components.PaymentMethodType.ACH_CREDIT_SAME_DAY).result
    eq([val(p.payment_method_type) for p in only], ["ach-credit-same-day"], "paymentMethodType filter")
    step("payment_methods.list(paymentMethodType=ach-credit-same-day): exactly that one")

    t, pid = sorted(ids.items())[0]
    got = moov.payment_methods.get(account_id=aid, payment_method_id=pid).result
    eq(got.payment_method_id, pid, "payment_methods.get paymentMethodID")
    eq(got.payment_method_type, t, "payment_methods.get paymentMethodType")
    step(f"payment_methods.get({t}): same method")

    expect_status(lambda: moov.payment_methods.get(account_id=aid, payment_method_id=str(uuid.uuid4())),
                  404, errors.APIError, "payment_methods.get unknown id")
    step("payment_methods.get unknown id: APIError 404")

    again = ctx.link_checking(aid, number, components.BankAccountWaitFor.PAYMENT_METHOD)
    eq(again.bank_account_id, bid, "relink bankAccountID")
    check(again.payment_methods is not None, "relink with x-wait-for: payment-method returned no paymentMethods")
    eq({val(p.payment_method_type): p.payment_method_id for p in again.payment_methods}, linked,
       "relink paymentMethods")
    step("bank_accounts.link again with x-wait-for: same bank account, same paymentMethods")


def flow_access_token(ctx: Ctx) -> None:
    moov = ctx.moov

    def token(scope: str) -> components.AuthToken:
        tok = moov.authentication.create_access_token(
            grant_type=components.GrantType.CLIENT_CREDENTIALS,
            client_id=env("PENNYDROP_PUBLIC_KEY"),
            client_secret=env("PENNYDROP_SECRET_KEY"),
            scope=scope,
        ).result
        eq(tok.token_type, "Bearer", "token_type")
        check(bool(tok.access_token), "access_token empty")
        check(tok.expires_in > 0, f"expires_in {tok.expires_in}")
        return tok

    tok = token("/accounts.read /accounts.write")
    step(f"authentication.create_access_token: Bearer, expires_in={tok.expires_in}, scope={tok.scope!r}")

    # The SDK only models Basic auth; a bearer token is sent by overriding the header per call.
    acct = ctx.create_individual_account("access-token-probe")
    got = moov.accounts.list(http_headers={"Authorization": f"Bearer {tok.access_token}"},
                             foreign_id=acct.foreign_id).result
    check([a.account_id for a in got] == [acct.account_id],
          f"accounts.list with bearer token: expected [{acct.account_id}], got {[a.account_id for a in got]}")
    step("accounts.list with Authorization: Bearer <token> (/accounts.read): 200, the probe account")

    write_only = token("/accounts.write")
    expect_status(lambda: moov.accounts.list(http_headers={"Authorization": f"Bearer {write_only.access_token}"},
                                             foreign_id=acct.foreign_id),
                  403, errors.APIError, "accounts.list with a /accounts.write-only token")
    step("accounts.list with a /accounts.write-only token: APIError 403 (write does not imply read)")


def start_production_instant(ctx: Ctx, tag: str):
    """Fresh account + bank account at an instant-capable routing number, verification initiated
    with x-wait-for: rail-response; returns (aid, bid, code digits from the statement)."""
    moov = ctx.moov
    acct, ba, number = ctx.new_account_with_bank(tag, wait_for=components.BankAccountWaitFor.PAYMENT_METHOD)
    aid, bid = acct.account_id, ba.bank_account_id
    step(f"setup: account {aid}, bank account {bid} at {ctx.routing}")

    check(ba.payment_methods is not None, "link with x-wait-for: payment-method returned no paymentMethods")
    types = sorted(val(p.payment_method_type) for p in ba.payment_methods)
    check("rtp-credit" in types,
          f"routing {ctx.routing} is not instant-capable here (no rtp-credit in {types}); "
          f"the production flows need an RTP-reachable routing number")
    ctx.check_method_types(types, False, "link response paymentMethods")
    step(f"bank_accounts.link(x-wait-for: payment-method): paymentMethods {types}")

    expect_status(lambda: moov.bank_accounts.get_verification(account_id=aid, bank_account_id=bid),
                  404, errors.APIError, "get_verification before initiate")
    step("bank_accounts.get_verification before initiate: APIError 404")

    created = moov.bank_accounts.initiate_verification(
        account_id=aid, bank_account_id=bid,
        x_wait_for=components.BankAccountWaitFor.RAIL_RESPONSE,
    ).result
    eq(created.verification_method, "instant", "initiate_verification verificationMethod")
    eq(created.status, "sent-credit", "initiate_verification status")
    step("bank_accounts.initiate_verification(x-wait-for: rail-response): method=instant status=sent-credit")

    v = moov.bank_accounts.get_verification(account_id=aid, bank_account_id=bid).result
    eq(v.verification_method, "instant", "get_verification verificationMethod")
    eq(v.status, "sent-credit", "get_verification status")
    step("bank_accounts.get_verification: method=instant status=sent-credit")

    ctx.check_bank_status(aid, bid, "pending", "verification-initiated", "after initiating instant verification")
    step("bank_accounts.get: status=pending reason=verification-initiated")

    digits = ctx.statement_code(number)
    step(f"simulator statement: one $0.01 RTP credit from {ctx.company_name}, "
         f"statementText '{ctx.company_name} MV{digits}'")
    return aid, bid, digits


def flow_production_instant(ctx: Ctx) -> None:
    moov = ctx.moov
    aid, bid, digits = start_production_instant(ctx, "production-instant")

    code = f"MV{digits}"
    done = moov.bank_accounts.complete_verification(account_id=aid, bank_account_id=bid, code=code).result
    eq(done.status, "successful", "complete_verification status")
    eq(done.verification_method, "instant", "complete_verification verificationMethod")
    step(f"bank_accounts.complete_verification({code}): status=successful method=instant")

    v = moov.bank_accounts.get_verification(account_id=aid, bank_account_id=bid).result
    eq(v.status, "successful", "get_verification status after completion")
    step("bank_accounts.get_verification: status=successful")

    ctx.check_bank_status(aid, bid, "verified", "verification-successful", "after instant verification")
    step("bank_accounts.get: status=verified reason=verification-successful")

    methods = ctx.list_methods(aid, bid, verified=True, what="payment methods after instant verification")
    step(f"payment_methods.list after verification: {sorted(methods)}")

    lower = f"mv{digits}"
    again = moov.bank_accounts.complete_verification(account_id=aid, bank_account_id=bid, code=lower).result
    eq(again.status, "successful", "complete_verification (lowercase, repeated) status")
    step(f"bank_accounts.complete_verification({lower}) again: idempotent status=successful")

    ctx.check_bank_status(aid, bid, "verified", "verification-successful", "after repeated completion")
    step("bank_accounts.get: still status=verified reason=verification-successful")

    e = expect_status(
        lambda: moov.bank_accounts.initiate_verification(account_id=aid, bank_account_id=bid),
        409, errors.GenericError, "initiate_verification on verified account")
    step(f"initiate_verification on verified account: GenericError 409 "
         f"error={generic_error_text(e, 'initiate_verification verified')!r}")


def flow_production_instant_max_attempts(ctx: Ctx) -> None:
    moov = ctx.moov
    aid, bid, digits = start_production_instant(ctx, "production-instant-max-attempts")

    # Five codes that are certainly wrong: the real one is known from the statement.
    wrong = [f"MV{(int(digits) + i) % 10000:04d}" for i in range(1, INSTANT_ATTEMPTS + 1)]
    check(f"MV{digits}" not in wrong and len(set(wrong)) == INSTANT_ATTEMPTS, f"bad wrong codes {wrong}")

    for n, code in enumerate(wrong, start=1):
        e = expect_status(
            lambda: moov.bank_accounts.complete_verification(account_id=aid, bank_account_id=bid, code=code),
            409, errors.GenericError, f"complete_verification wrong code #{n}")
        msg = generic_error_text(e, f"wrong code #{n}")
        left = INSTANT_ATTEMPTS - n
        if left > 0:
            eq(msg, f"the code provided is incorrect; {left} attempt(s) left", f"wrong code #{n} error")
            v = moov.bank_accounts.get_verification(account_id=aid, bank_account_id=bid).result
            eq(v.status, "sent-credit", f"get_verification status after wrong code #{n}")
        else:
            check("incorrect" in msg, f"wrong code #{n} error {msg!r} does not say the code is incorrect")
        step(f"bank_accounts.complete_verification({code}) wrong code #{n}: GenericError 409 error={msg!r}")

    v = moov.bank_accounts.get_verification(account_id=aid, bank_account_id=bid).result
    eq(v.status, "max-attempts-exceeded", "get_verification status after five wrong codes")
    eq(v.verification_method, "instant", "get_verification verificationMethod after five wrong codes")
    step("bank_accounts.get_verification: status=max-attempts-exceeded")

    ctx.check_bank_status(aid, bid, "verificationFailed", "verification-attempts-exceeded",
                          "after five wrong codes")
    step("bank_accounts.get: status=verificationFailed reason=verification-attempts-exceeded")

    methods = ctx.list_methods(aid, bid, verified=False, what="payment methods after failed verification")
    step(f"payment_methods.list after failed verification: {sorted(methods)} (no debits)")

    right = f"MV{digits}"
    e = expect_status(
        lambda: moov.bank_accounts.complete_verification(account_id=aid, bank_account_id=bid, code=right),
        409, errors.GenericError, "complete_verification with the right code after max attempts")
    step(f"bank_accounts.complete_verification({right}) after max attempts: GenericError 409 "
         f"error={generic_error_text(e, 'right code after max attempts')!r}")

    v = moov.bank_accounts.get_verification(account_id=aid, bank_account_id=bid).result
    eq(v.status, "max-attempts-exceeded", "get_verification status after the late right code")
    ctx.check_bank_status(aid, bid, "verificationFailed", "verification-attempts-exceeded",
                          "after the late right code")
    step("late right code changed nothing: still max-attempts-exceeded / verificationFailed")


# --------------------------------------------------------------------------- ACH rail flows
# These need an operator key (PENNYDROP_OPERATOR_PUBLIC_KEY / PENNYDROP_OPERATOR_SECRET_KEY) to
# run a cutoff through POST /admin/ach/cutoffs, and read the simulated statement: both are raw
# HTTP, since neither is a Moov API. Everything else goes through the SDK.


def run_cutoff() -> dict:
    base = env("PENNYDROP_BASE_URL").rstrip("/")
    r = httpx.post(f"{base}/admin/ach/cutoffs",
                   auth=(env("PENNYDROP_OPERATOR_PUBLIC_KEY"), env("PENNYDROP_OPERATOR_SECRET_KEY")),
                   timeout=60)
    check(r.status_code == 200, f"POST /admin/ach/cutoffs: HTTP {r.status_code} {r.text[:500]!r}")
    return r.json()


def statement(routing: str, account_number: str) -> list:
    base = env("PENNYDROP_BASE_URL").rstrip("/")
    r = httpx.get(f"{base}/simulator/accounts/{routing}/{account_number}/transactions",
                  auth=(env("PENNYDROP_PUBLIC_KEY"), env("PENNYDROP_SECRET_KEY")), timeout=30)
    check(r.status_code == 200, f"simulator statement: HTTP {r.status_code} {r.text[:300]!r}")
    return r.json()["transactions"]


def link_at(ctx: Ctx, tag: str, routing: str, number: str):
    acct = ctx.create_individual_account(tag)
    ba = ctx.moov.bank_accounts.link(
        account_id=acct.account_id,
        link_bank_account=components.BankAccountPayload(
            account=components.BankAccountIntegration(
                holder_name="Jane Doe",
                holder_type=components.BankAccountHolderType.INDIVIDUAL,
                account_number=number,
                bank_account_type=components.BankAccountType.CHECKING,
                routing_number=routing,
            )
        ),
    ).result
    eq(ba.last_four_account_number, number[-4:], "link lastFourAccountNumber")
    return acct.account_id, ba.bank_account_id


ACH_ROUTING = "231380104"  # a bank the simulated network does not reach instantly


def flow_production_micro_deposits(ctx: Ctx) -> None:
    moov = ctx.moov
    number = random_account_number()
    aid, bid = link_at(ctx, "production-micro-deposits", ACH_ROUTING, number)
    step(f"setup: account {aid}, bank account {bid} at {ACH_ROUTING}")
    moov.bank_accounts.initiate_micro_deposits(account_id=aid, bank_account_id=bid)
    step("bank_accounts.initiate_micro_deposits: 204")
    ctx.check_bank_status(aid, bid, "pending", "verification-initiated", "after initiating micro-deposits")

    e = expect_status(lambda: moov.bank_accounts.complete_micro_deposits(account_id=aid, bank_account_id=bid, amounts=[1, 2]),
                      409, errors.GenericError, "complete before the cutoff")
    check("not been sent" in generic_error_text(e, "complete before cutoff"), "409 says the deposits are not sent yet")
    step("complete_micro_deposits before the cutoff: GenericError 409 (not counted)")

    result = run_cutoff()
    files = result.get("files", [])
    check(len(files) >= 1, f"cutoff wrote no file: {result!r}")
    step(f"POST /admin/ach/cutoffs: {len(files)} file(s), first {files[0]['fileName']}")

    lines = statement(ACH_ROUTING, number)
    credits = [t["amountCents"] for t in lines if t["direction"] == "credit"]
    debits = [t["amountCents"] for t in lines if t["direction"] == "debit"]
    eq(len(credits), 2, "micro-deposit credits on the statement")
    check(all(1 <= c <= 49 for c in credits), f"credits {credits} are not 1-49 cents")
    eq(debits, [sum(credits)], "recoup debit on the statement")
    check(all("ACCTVERIFY" in t["statementText"] for t in lines), "statement lines say ACCTVERIFY")
    step(f"simulator statement: credits {credits}, debit {debits[0]}, all ACCTVERIFY")

    done = moov.bank_accounts.complete_micro_deposits(account_id=aid, bank_account_id=bid,
                                                      amounts=list(reversed(credits))).result
    eq(val(done.status), "verified", "complete_micro_deposits status")
    step("bank_accounts.complete_micro_deposits(amounts from the statement): status=verified")
    ctx.check_bank_status(aid, bid, "verified", "verification-successful", "after micro-deposits")
    step("bank_accounts.get: status=verified reason=verification-successful")


def flow_production_returns(ctx: Ctx) -> None:
    moov = ctx.moov
    # R03: the simulated bank has no such account.
    aid, bid = link_at(ctx, "production-r03", ACH_ROUTING, "3000000003")
    moov.bank_accounts.initiate_micro_deposits(account_id=aid, bank_account_id=bid)
    result = run_cutoff()
    check(result["inbound"]["returns"] >= 1, f"no returns applied: {result!r}")
    ba = ctx.bank_account(aid, bid)
    eq(ba.status, "verificationFailed", "R03 bankAccount.status")
    eq(ba.status_reason, "micro-deposit-return", "R03 bankAccount.statusReason")
    check(ba.exception_details is not None, "R03 exceptionDetails missing")
    eq(val(ba.exception_details.ach_return_code), "R03", "R03 exceptionDetails.achReturnCode")
    step(f"R03: bank account verificationFailed / micro-deposit-return, achReturnCode R03 "
         f"({ba.exception_details.description!r})")

    # C01: the simulated bank says the right account number is 3100000010.
    aid, bid = link_at(ctx, "production-c01", ACH_ROUTING, "3100000001")
    before = ctx.bank_account(aid, bid)
    moov.bank_accounts.initiate_micro_deposits(account_id=aid, bank_account_id=bid)
    result = run_cutoff()
    check(result["inbound"]["nocs"] >= 1, f"no NOCs applied: {result!r}")
    after = ctx.bank_account(aid, bid)
    eq(after.last_four_account_number, "0010", "C01 corrected lastFourAccountNumber")
    check(after.fingerprint != before.fingerprint, "C01 changed the fingerprint")
    eq(after.status, "pending", "C01 leaves the verification pending")
    step("C01: account number corrected (last four 0010), fingerprint updated, still pending")



def _receiver():
    """A webhook receiver on loopback: records (headers, body) of every POST, answers 200."""
    import http.server
    import threading

    got: List[tuple] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's naming)
            body = self.rfile.read(int(self.headers.get("content-length", "0")))
            got.append(({k.lower(): v for k, v in self.headers.items()}, body))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, got


def _wait_for(got: List[tuple], pred, what: str, seconds: float = 15.0):
    import time

    deadline = time.time() + seconds
    while time.time() < deadline:
        for item in list(got):
            if pred(item):
                return item
        time.sleep(0.1)
    raise StepFailed(f"no webhook delivery: {what}")


def _verify_delivery(secret: str, webhook_id: str, headers: dict, body: bytes) -> components.WebhookEvent:
    """Checks both signatures with independent code and parses the envelope with the SDK."""
    import hashlib
    import hmac

    from standardwebhooks.webhooks import Webhook, WebhookVerificationError

    message = f"{headers['x-timestamp']}|{headers['x-nonce']}|{webhook_id}".encode()
    moov_sig = hmac.new(secret.encode(), message, hashlib.sha512).hexdigest()
    eq(headers["x-signature"], moov_sig, "Moov X-Signature")
    Webhook(secret).verify(body, headers)
    try:
        Webhook(secret).verify(body.replace(b'"data"', b'"dat\\u0061"'), headers)
        raise StepFailed("a tampered body passed the Standard Webhooks verifier")
    except WebhookVerificationError:
        pass
    return components.WebhookEvent.model_validate_json(body)


def flow_webhooks(ctx: Ctx) -> None:
    server, got = _receiver()
    url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
    try:
        types = ctx.moov.webhooks.list_event_types().result
        check(any(t.type == "bankAccount.created" for t in types), "event types list bankAccount.created")
        created = ctx.moov.webhooks.create(
            url=url, status=components.WebhookStatus.ENABLED,
            event_types=[components.WebhookEventType.WILDCARD_], description="sdk e2e").result
        wid = created.webhook_id
        step(f"webhook {wid} created for {url}")
        secret = ctx.moov.webhooks.get_secret(webhook_id=wid).result.secret
        check(secret.startswith("whsec_"), "the secret is a Standard Webhooks secret")
        ping = ctx.moov.webhooks.ping(webhook_id=wid).result
        eq(ping.response_status_code, 200, "ping answer")
        headers, body = _wait_for(got, lambda i: b"event.test" in i[1], "event.test")
        event = _verify_delivery(secret, wid, headers, body)
        eq(str(val(event.type)), "event.test", "ping event type")
        step("event.test arrived, both signatures verified, parsed by the SDK's WebhookEvent")

        account = ctx.create_individual_account("webhooks")
        bank = ctx.link_checking(account.account_id, random_account_number())
        headers, body = _wait_for(
            got, lambda i: bank.bank_account_id.encode() in i[1], "bankAccount.created")
        event = _verify_delivery(secret, wid, headers, body)
        eq(str(val(event.type)), "bankAccount.created", "event type")
        step("bankAccount.created arrived signed and parsed by the SDK")

        listed = ctx.moov.webhooks.list().result
        check(any(w.webhook_id == wid for w in listed), "webhook listed")
        updated = ctx.moov.webhooks.update(
            webhook_id=wid, url=url, status=components.WebhookStatus.DISABLED,
            event_types=[components.WebhookEventType.BANK_ACCOUNT_UPDATED], description="off").result
        eq(str(val(updated.status)), "disabled", "updated status")
        got_one = ctx.moov.webhooks.get(webhook_id=wid).result
        eq(got_one.description, "off", "get after update")
        ctx.moov.webhooks.disable(webhook_id=wid)
        expect_status(lambda: ctx.moov.webhooks.get(webhook_id=wid), 404, errors.APIError,
                      "a deleted webhook")
        step("webhook listed, updated, read and deleted")
    finally:
        server.shutdown()


FLOWS: Dict[str, Callable[[Ctx], None]] = {
    "foundation": flow_foundation,
    "accounts": flow_accounts,
    "ping": flow_ping,
    "sandbox-micro-deposits": flow_sandbox_micro_deposits,
    "sandbox-instant": flow_sandbox_instant,
    "payment-methods": flow_payment_methods,
    "access-token": flow_access_token,
    "production-instant": flow_production_instant,
    "production-instant-max-attempts": flow_production_instant_max_attempts,
    "production-micro-deposits": flow_production_micro_deposits,
    "production-returns": flow_production_returns,
    "webhooks": flow_webhooks,
}

ALIASES: Dict[str, str] = {
    "micro-deposits": "sandbox-micro-deposits",
    "instant-verification": "sandbox-instant",
}

GROUPS: Dict[str, List[str]] = {
    "sandbox-all": ["foundation", "accounts", "ping", "sandbox-micro-deposits", "sandbox-instant",
                    "payment-methods", "access-token", "webhooks"],
    "production-all": ["production-instant", "production-instant-max-attempts",
                       "production-micro-deposits", "production-returns"],
}
GROUPS["all"] = GROUPS["sandbox-all"]


def expand(names: List[str]) -> Optional[List[str]]:
    out: List[str] = []
    for n in names:
        if n in GROUPS:
            out.extend(GROUPS[n])
        elif n in ALIASES:
            out.append(ALIASES[n])
        elif n in FLOWS:
            out.append(n)
        else:
            return None
    return out


def main(argv: List[str]) -> int:
    args = argv[1:] or ["foundation"]
    if any(n in ("-h", "--help") for n in args):
        print(__doc__)
        return 0
    names = expand(args)
    if names is None:
        unknown = [n for n in args if n not in FLOWS and n not in GROUPS and n not in ALIASES]
        print(f"unknown flow(s): {' '.join(unknown)}\n{__doc__}", file=sys.stderr)
        return 2

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
    print(f"PASS {' '.join(args)}: {' '.join(names)} ({_step_no} steps)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
