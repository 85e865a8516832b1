"""The Finicity micro-entry flow through a client generated from finicity-microentry.yaml by
openapi-python-client (tests/finicity/setup.sh client), unmodified: authentication, initiate,
details, a wrong verify, the right verify. Only the operator cutoff and the simulated bank's
statement (Pennydrop-specific) use raw HTTP.

Environment: PENNYDROP_BASE_URL, PENNYDROP_PUBLIC_KEY / PENNYDROP_SECRET_KEY (a production
key), PENNYDROP_OPERATOR_PUBLIC_KEY / PENNYDROP_OPERATOR_SECRET_KEY (an operator key).
"""

import os
import sys

import httpx

from open_finance_client import AuthenticatedClient
from open_finance_client.api.account_validation_assistance import (
    get_micro_deposits_details,
    initiate_micro_amount_deposits,
    verify_micro_amount_deposits,
)
from open_finance_client.api.authentication import create_token
from open_finance_client.models import (
    AccessToken,
    InitiatedMicroDeposit,
    MicroDepositDetails,
    MicroDepositInitiation,
    MicroDepositVerification,
    MicroDepositVerificationError,
    PartnerCredentials,
    Receiver,
    VerifiedMicroDeposit,
)

BASE = os.environ["PENNYDROP_BASE_URL"]
PK = os.environ["PENNYDROP_PUBLIC_KEY"]
SK = os.environ["PENNYDROP_SECRET_KEY"]
OPS = (os.environ["PENNYDROP_OPERATOR_PUBLIC_KEY"], os.environ["PENNYDROP_OPERATOR_SECRET_KEY"])
ROUTING = "011000138"
ACCOUNT_NUMBER = "5111111111"
CUSTOMER = "1005061234"


def step(name, ok, detail=""):
    print(f"{'ok' if ok else 'FAIL'} {name} {detail}")
    if not ok:
        sys.exit(1)


def main():
    # Authentication: only Finicity-App-Key, as the spec's security says.
    app = AuthenticatedClient(base_url=BASE, token=PK, prefix="", auth_header_name="Finicity-App-Key",
                              raise_on_unexpected_status=True)
    r = create_token.sync_detailed(client=app, body=PartnerCredentials(partner_id=PK, partner_secret=SK))
    step("authentication", r.status_code == 200 and isinstance(r.parsed, AccessToken), r.content)
    token = r.parsed.token

    client = AuthenticatedClient(base_url=BASE, token=token, prefix="", auth_header_name="Finicity-App-Token",
                                 headers={"Finicity-App-Key": PK}, raise_on_unexpected_status=True)
    body = MicroDepositInitiation(receiver=Receiver(routing_number=ROUTING, account_number=ACCOUNT_NUMBER,
                                                    account_type="personalChecking", name="Bob Smith",
                                                    memo="micro deposit transfer"))
    r = initiate_micro_amount_deposits.sync_detailed(CUSTOMER, client=client, body=body)
    step("initiate", r.status_code == 200 and isinstance(r.parsed, InitiatedMicroDeposit), r.content)
    initiated = r.parsed
    step("initiate fields", initiated.status == "Pending" and initiated.deposit_count == 2
         and initiated.rail_type == "ach", initiated)
    account_id = initiated.account_id

    r = get_micro_deposits_details.sync_detailed(CUSTOMER, account_id, client=client)
    step("details before cutoff", r.status_code == 200 and isinstance(r.parsed, MicroDepositDetails)
         and r.parsed.status == "Pending" and r.parsed.account_number_last_4 == ACCOUNT_NUMBER[-4:]
         and r.parsed.routing_number == ROUTING and len(r.parsed.creation_date) == 19, r.content)

    with httpx.Client(base_url=BASE, auth=OPS) as raw:
        cut = raw.post("/admin/ach/cutoffs")
        step("operator cutoff (raw HTTP)", cut.status_code == 200, cut.text)
        st = raw.get(f"/simulator/accounts/{ROUTING}/{ACCOUNT_NUMBER}/transactions")
        step("simulated statement (raw HTTP)", st.status_code == 200, st.text)
        cents = [t["amountCents"] for t in st.json()["transactions"]
                 if t["direction"] == "credit" and t["description"] == "ACCTVERIFY"]
        step("two credits", len(cents) == 2, cents)

    r = get_micro_deposits_details.sync_detailed(CUSTOMER, account_id, client=client)
    step("details after cutoff", r.status_code == 200 and r.parsed.status == "Completed", r.content)

    wrong = [((cents[0] % 49) + 1) / 100, cents[1] / 100]
    r = verify_micro_amount_deposits.sync_detailed(CUSTOMER, account_id, client=client,
                                                   body=MicroDepositVerification(amounts=wrong))
    step("wrong amounts", r.status_code == 400 and isinstance(r.parsed, MicroDepositVerificationError)
         and r.parsed.status == "Completed" and r.parsed.additional_properties.get("code") == "3200004", r.content)

    right = [cents[1] / 100, cents[0] / 100]
    r = verify_micro_amount_deposits.sync_detailed(CUSTOMER, account_id, client=client,
                                                   body=MicroDepositVerification(amounts=right))
    step("verify", r.status_code == 200 and isinstance(r.parsed, VerifiedMicroDeposit)
         and r.parsed.status == "Verified", r.content)

    r = get_micro_deposits_details.sync_detailed(CUSTOMER, account_id, client=client)
    step("details verified", r.status_code == 200 and r.parsed.status == "Verified", r.content)
    print("PASS finicity generated client")


if __name__ == "__main__":
    main()
