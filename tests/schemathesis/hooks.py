"""Generation hooks for scripts/schemathesis.sh (SCHEMATHESIS_HOOKS=hooks).

Where the server accepts less than a JSON schema can say (an ABA check digit on a routing
number, a webhook URL it can deliver to, an event type it knows), a body generated from the
schema is almost always refused, and the stateful phase then never gets past its first link.
For the operations that start a chain, each generated body is kept as generated or replaced by
one the server accepts, half and half (Hypothesis chooses, so the seed still replays a run):
refusals are still exercised, and chains reach their later steps (link, initiate, complete)."""

import schemathesis
from hypothesis import strategies as st

PERSON = {"firstName": "Jules", "lastName": "Doe"}
# Simulated-bank routing numbers and account numbers that verify (docs/README walk-through).
ROUTING = st.sampled_from(["231380104", "021000021", "011000138", "110000000"])
ACCOUNT_NUMBER = st.from_regex(r"\A[1-9][0-9]{5,12}\Z")

MOOV_ACCOUNT = st.fixed_dictionaries({
    "accountType": st.just("individual"),
    "profile": st.just({"individual": {"name": PERSON, "email": "jules@example.com"}}),
})
MOOV_LINK = st.fixed_dictionaries({
    "account": st.fixed_dictionaries({
        "holderName": st.just("Jules Doe"),
        "holderType": st.sampled_from(["individual", "business"]),
        "accountNumber": ACCOUNT_NUMBER,
        "bankAccountType": st.sampled_from(["checking", "savings"]),
        "routingNumber": ROUTING,
    })
})
WEBHOOK = st.fixed_dictionaries({
    "url": st.just("https://hooks.example.com/pennydrop"),
    "status": st.sampled_from(["enabled", "disabled"]),
    "eventTypes": st.sampled_from([["*"], ["bankAccount.updated"], ["microDeposits.sent"]]),
})
FINICITY_INITIATE = st.fixed_dictionaries({
    "receiver": st.fixed_dictionaries({
        "routingNumber": ROUTING,
        "accountNumber": ACCOUNT_NUMBER,
        "accountType": st.sampled_from(["personalChecking", "personalSavings"]),
        "name": st.just("Bob Smith"),
    })
})
MX_USER = st.just({"user": {"email": "jane@example.com"}})
MX_MICRO_DEPOSIT = st.fixed_dictionaries({
    "micro_deposit": st.fixed_dictionaries({
        "account_number": ACCOUNT_NUMBER,
        "account_type": st.sampled_from(["CHECKING", "SAVINGS"]),
        "routing_number": ROUTING,
        "email": st.just("jane@example.com"),
        "first_name": st.just("Jane"),
        "last_name": st.just("Doe"),
    })
})

ACCEPTED = {
    ("POST", "/accounts"): MOOV_ACCOUNT,
    ("POST", "/accounts/{accountID}/bank-accounts"): MOOV_LINK,
    ("POST", "/webhooks"): WEBHOOK,
    ("POST", "/microentry/v1/customers/{customerId}"): FINICITY_INITIATE,
    ("POST", "/users"): MX_USER,
    ("POST", "/users/{user_guid}/micro_deposits"): MX_MICRO_DEPOSIT,
}


@schemathesis.hook
def flatmap_body(ctx, body):
    operation = ctx.operation
    accepted = ACCEPTED.get((operation.method.upper(), operation.path))
    if accepted is None:
        return st.just(body)
    return st.one_of(st.just(body), accepted)
