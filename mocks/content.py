"""Seeded content of the stand-ins, per domain (telecom, bank, hospital).

- Confluence: a space per domain with a data-dictionary page per bundled sample table
  (``playbooks/samples/*.csv``: every column, its meaning, whether it is personal data and what kind)
  and a classification-policy page.
- Jira: a project per domain with test scenarios (Gherkin or free text: objective, preconditions,
  steps, expected outcome), each labelled for its playbook run (``doppel-telecom``, ...). One scenario
  per domain is meant to fail when run against synthetic data (label ``doppel-expected-failure``).

Entity names are the classifier's (``tools.sensitive.model.EntityType``); ``none`` means not personal data.
"""

from __future__ import annotations

from html import escape
from typing import NamedTuple


class Column(NamedTuple):
    name: str
    meaning: str
    entity: str  # an EntityType; "none": not personal data


def _cols(rows: str) -> list[Column]:
    """``name | meaning | entity`` lines."""
    out = []
    for line in rows.strip().splitlines():
        name, meaning, entity = (p.strip() for p in line.split("|"))
        out.append(Column(name, meaning, entity))
    return out


class Table(NamedTuple):
    name: str  # the sample table (file stem)
    title: str  # the page title
    columns: list[Column]


class Domain(NamedTuple):
    key: str  # telecom, bank, hospital
    space: str  # Confluence space key
    project: str  # Jira project key
    name: str
    tables: list[Table]
    policy: str  # classification policy, paragraphs separated by blank lines


TELECOM = Domain(
    "telecom",
    "TEL",
    "TEL",
    "Telecom",
    [
        Table(
            "telecom_customers",
            "Data dictionary: telecom_customers",
            _cols(
                """
customer_id | Customer account reference (CUST-nnnnnn), one per subscriber account | customer_id
msisdn | Subscriber's mobile number (MSISDN) | msisdn
imsi | SIM subscriber identity (IMSI) | imsi
imei | Handset serial number (IMEI) | imei
first_name | Subscriber's first name | first_name
last_name | Subscriber's surname | last_name
cust_nm | Customer name as printed on bills (legacy billing field) | person_name
dob | Subscriber's date of birth | date_of_birth
gender | Gender as declared at sign-up | gender
email | Contact email address | email
username | Self-care portal login name | username
addr_line1 | First line of the billing address | street_address
town | Billing address town | city
county | Billing address county | none
postcode | Billing address postcode | postcode
nino | National Insurance number (credit checks) | uk_nino
sort_code | Direct Debit bank sort code | sort_code
acct_no | Direct Debit bank account number | bank_account
card_last4 | Last four digits of the payment card | none
payment_method | Payment method (Direct Debit, Card, Cash) | none
plan | Tariff name | none
plan_type | Prepaid or Postpaid | none
contract_start | Contract start date | none
contract_end | Contract end date | none
monthly_fee | Monthly recurring charge in GBP | none
data_allowance_gb | Data allowance of the tariff | none
minutes_used | Voice minutes used in the last bill period | none
sms_sent | Text messages sent in the last bill period | none
data_used_mb | Mobile data used in the last bill period | none
roaming | Roaming enabled (Y/N) | none
churn_flag | Churned in the last 90 days | none
credit_score | Internal credit score band (confidential, not an identifier) | none
arpu | Average revenue per user: an aggregate figure | none
tenure_months | Months since the account opened | none
device_model | Handset model | none
manufacturer | Handset manufacturer | none
os | Handset operating system | none
network_type | Network generation (4G/5G) | none
last_topup_dt | Time of the last prepaid top-up | none
marketing_opt_in | Marketing consent flag | none
notes | Free-text agent notes; may quote names and phone numbers | free_text_pii
ip_address | Last IP address seen on the self-care portal | ip_address
segment | Commercial segment (Consumer, SME) | none
region | Sales region | none
store_id | Store reference | none
sales_channel | Sales channel | none
complaint_count | Complaints in the last 12 months | none
nps_score | Net promoter score answer | none
account_status | Account status | none
sim_type | Physical SIM or eSIM | none
handset_financed | Handset on a finance agreement | none
outstanding_balance | Balance owed in GBP | none
last_bill_amount | Last bill total in GBP | none
preferred_contact | Preferred contact channel | none
loyalty_points | Loyalty points balance | none
created_at | Account creation time | none
alt_phone | Alternative contact phone number | phone
ban | Billing account number (BAN): one per customer account | customer_id
"""
            ),
        )
    ],
    "Subscriber identifiers (MSISDN, IMSI, IMEI, BAN) are personal data: they single out one subscriber "
    "and must be replaced in test data.\n\nBilling names, addresses and bank details are personal data. "
    "Usage counters, tariffs and aggregates such as ARPU are not personal data.\n\nFree-text agent notes "
    "are treated as personal data: they often quote names and numbers.",
)

BANK = Domain(
    "bank",
    "BANK",
    "BANK",
    "Bank",
    [
        Table(
            "bank_accounts",
            "Data dictionary: bank_accounts",
            _cols(
                """
account_id | Internal account reference (ACC-nnnnnn) | customer_id
iban | International bank account number | iban
holder_name | Account holder name(s) as on the account | person_name
sort_code | Branch sort code | sort_code
opened_date | Date the account was opened | none
account_type | Product type (Current, Savings, ...) | none
branch_city | City of the home branch | none
balance | Ledger balance in GBP (confidential) | none
"""
            ),
        ),
        Table(
            "bank_transactions",
            "Data dictionary: bank_transactions",
            _cols(
                """
txn_id | Transaction reference | none
account_id | The account the transaction belongs to | customer_id
txn_ts | Booking time | none
amount | Signed amount in the account currency | none
currency | ISO currency code | none
merchant | Merchant name for card payments | none
mcc | Merchant category code (public ISO 18245 list) | none
card_number | Payment card number (PAN) | payment_card
channel | Payment channel (CARD, DIRECT_DEBIT, ...) | none
counterparty_iban | The other party's IBAN | iban
reference | Payment reference typed by the payer; may contain names | free_text_pii
status | Booking status | none
"""
            ),
        ),
    ],
    "Account numbers, IBANs, card numbers and holder names are personal data and must never reach a test "
    "environment.\n\nBalances and amounts are confidential but not identifying: keep their distribution.\n\n"
    "Payment references are free text typed by customers and are treated as personal data.",
)

HOSPITAL = Domain(
    "hospital",
    "HOSP",
    "HOSP",
    "Hospital",
    [
        Table(
            "hospital_patients",
            "Data dictionary: hospital_patients",
            _cols(
                """
episode_id | Hospital episode reference | none
patient_id | Local patient identifier (hospital number) | customer_id
nhs_number | NHS number (10 digits, mod-11 check digit) | nhs_number
title | Title (Mr, Mrs, Dr, ...) | none
forename | Patient's forename | first_name
surname | Patient's surname | last_name
date_of_birth | Patient's date of birth | date_of_birth
sex | Sex recorded at registration | gender
ethnicity | Ethnic category (special category data) | ethnicity
address | Home address | street_address
postcode | Home postcode | postcode
gp_practice_code | Registered GP practice code (an organisation, not a person) | none
phone | Patient's phone number | phone
email | Patient's email address | email
admission_date | Admission time | none
discharge_date | Discharge time | none
ward | Ward name | none
diagnosis_code | ICD-10 diagnosis code (special category data) | medical_condition
diagnosis_desc | ICD-10 diagnosis description (special category data) | medical_condition
attending_clinician | Name of the attending clinician | person_name
length_of_stay | Days between admission and discharge | none
blood_type | ABO blood group (health data) | medical_condition
allergies | Recorded allergies (health data) | medical_condition
clinical_notes | Free-text clinical notes; may name relatives and quote phone numbers | free_text_pii
weight_kg | Weight in kilograms | none
height_cm | Height in centimetres | none
bmi | Body-mass index | none
smoker | Smoking status | none
next_of_kin_name | Next of kin's name | person_name
next_of_kin_phone | Next of kin's phone number | phone
consent | Consent to research use recorded | none
mrn | Medical record number of the patient | customer_id
"""
            ),
        )
    ],
    "Patient identifiers (NHS number, hospital number, MRN) and contact details are personal data.\n\n"
    "Diagnoses, allergies, blood type and ethnicity are special category data (GDPR art. 9): model them "
    "jointly, never copy a real record.\n\nClinical notes are free text and are treated as personal data.",
)

DOMAINS: tuple[Domain, ...] = (TELECOM, BANK, HOSPITAL)


def dictionary_html(table: Table, domain: Domain) -> str:
    """A data-dictionary page in Confluence storage format: one table row per column."""
    rows = "".join(
        f"<tr><td><code>{escape(c.name)}</code></td><td>{escape(c.meaning)}</td>"
        f"<td>{'Personal data' if c.entity != 'none' else 'Not personal data'}</td>"
        f"<td>{escape(c.entity)}</td></tr>"
        for c in table.columns
    )
    return (
        f"<p>Columns of the <strong>{escape(table.name)}</strong> table ({escape(domain.name)} domain). "
        f"Classification follows the {escape(domain.name)} classification policy.</p>"
        '<table class="data-dictionary"><tbody>'
        "<tr><th>Column</th><th>Meaning</th><th>Classification</th><th>Entity</th></tr>"
        f"{rows}</tbody></table>"
    )


def policy_html(domain: Domain) -> str:
    return "".join(f"<p>{escape(p)}</p>" for p in domain.policy.split("\n\n"))


class Scenario(NamedTuple):
    summary: str
    description: str
    priority: str
    labels: tuple[str, ...]


def _gherkin(feature: str, scenario: str, steps: str) -> str:
    body = "\n".join(f"    {s.strip()}" for s in steps.strip().splitlines())
    return f"{{code:gherkin}}\nFeature: {feature}\n  Scenario: {scenario}\n{body}\n{{code}}"


def _free(objective: str, preconditions: str, steps: list[str], expected: str) -> str:
    numbered = "\n".join(f"# {s}" for s in steps)
    return (
        f"*Objective:* {objective}\n\n*Preconditions:* {preconditions}\n\n*Steps:*\n{numbered}\n\n"
        f"*Expected outcome:* {expected}"
    )


EXPECTED_FAILURE = "doppel-expected-failure"


def scenarios(domain: Domain) -> list[Scenario]:
    """The seeded test scenarios of a domain, in key order (PROJECT-1, PROJECT-2, ...)."""
    run = f"doppel-{domain.key}"
    if domain is TELECOM:
        return [
            Scenario(
                "Create a postpaid customer through the REST API",
                _gherkin(
                    "Customer onboarding",
                    "A new postpaid customer is accepted",
                    """Given a synthetic customer from the telecom data set
                    When the customer is posted to /customers
                    Then the API answers 201
                    And the customer page /ui/customers/{customer_id} shows the customer's plan""",
                ),
                "High",
                (run, "gherkin", "rest"),
            ),
            Scenario(
                "Invalid MSISDN is rejected with a field error",
                _free(
                    "Check that a malformed mobile number is refused.",
                    "The REST target is running; a synthetic customer with an edge-case msisdn exists in the data.",
                    ["Post the customer with msisdn '12345' to /customers", "Read the error body"],
                    "HTTP 422 with an error naming the field msisdn.",
                ),
                "Medium",
                (run, "free-text", "rest", "edge-case"),
            ),
            Scenario(
                "Churned customers keep their contract dates",
                _gherkin(
                    "Contract history",
                    "Contract dates survive synthesis",
                    """Given the synthetic telecom customers
                    When I select customers with churn_flag "yes"
                    Then every contract_end is after its contract_start""",
                ),
                "Medium",
                (run, "gherkin", "data"),
            ),
            Scenario(
                "Every customer has a loyalty balance above 100000 points",
                _free(
                    "Deliberately failing check: no realistic customer has this many points.",
                    "The synthetic telecom customers are loaded.",
                    ["Read loyalty_points of every customer", "Compare with 100000"],
                    "Every loyalty_points value is above 100000 (this fails on realistic data).",
                ),
                "Low",
                (run, "free-text", "data", EXPECTED_FAILURE),
            ),
        ]
    if domain is BANK:
        return [
            Scenario(
                "Account with a valid IBAN is created",
                _gherkin(
                    "Account onboarding",
                    "A synthetic account is accepted",
                    """Given a synthetic account from the bank data set
                    When the account is posted to /accounts
                    Then the API answers 201
                    And the account page /ui/accounts/{account_id} shows the IBAN""",
                ),
                "High",
                (run, "gherkin", "rest"),
            ),
            Scenario(
                "Card payments carry a merchant category code",
                _free(
                    "Check that card transactions are complete.",
                    "The synthetic bank transactions are loaded.",
                    ["Select transactions with channel CARD", "Check mcc and merchant"],
                    "Every card transaction has an mcc and a merchant name.",
                ),
                "Medium",
                (run, "free-text", "data"),
            ),
            Scenario(
                "Transactions reference existing accounts",
                _gherkin(
                    "Referential integrity",
                    "No orphan transactions",
                    """Given the synthetic bank accounts and transactions
                    When I join transactions to accounts on account_id
                    Then every transaction finds its account""",
                ),
                "High",
                (run, "gherkin", "data"),
            ),
            Scenario(
                "No account holds a negative balance",
                _free(
                    "Deliberately failing check: overdrafts exist in realistic data.",
                    "The synthetic bank accounts are loaded.",
                    ["Read every balance"],
                    "Every balance is zero or more (this fails when overdrafts are modelled).",
                ),
                "Low",
                (run, "free-text", "data", EXPECTED_FAILURE),
            ),
        ]
    return [
        Scenario(
            "Admit a patient through the REST API",
            _gherkin(
                "Patient administration",
                "A synthetic patient is admitted",
                """Given a synthetic patient from the hospital data set
                When the patient is posted to /patients
                Then the API answers 201
                And the patient page /ui/patients/{episode_id} shows the ward""",
            ),
            "High",
            (run, "gherkin", "rest"),
        ),
        Scenario(
            "NHS numbers pass the mod-11 check",
            _free(
                "Check that synthetic NHS numbers are valid.",
                "The synthetic hospital patients are loaded.",
                ["Read every nhs_number", "Apply the mod-11 check digit"],
                "Every NHS number is valid.",
            ),
            "High",
            (run, "free-text", "data"),
        ),
        Scenario(
            "Discharge follows admission",
            _gherkin(
                "Episode timeline",
                "Discharge never precedes admission",
                """Given the synthetic hospital patients
                When I compare discharge_date with admission_date
                Then no discharge is before its admission""",
            ),
            "Medium",
            (run, "gherkin", "data"),
        ),
        Scenario(
            "Every patient is younger than 60",
            _free(
                "Deliberately failing check: the sample has elderly patients.",
                "The synthetic hospital patients are loaded.",
                ["Compute each patient's age from date_of_birth"],
                "Every patient is younger than 60 (this fails on realistic data).",
            ),
            "Low",
            (run, "free-text", "data", EXPECTED_FAILURE),
        ),
    ]
