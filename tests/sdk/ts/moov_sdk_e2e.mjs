// End-to-end check of Pennydrop against the official Moov TypeScript SDK (@moovio/sdk, pinned in
// package-lock.json): every Moov route the dialect serves, through the SDK's typed API only. The
// SDK parses each answer with its zod schemas; any schema mismatch throws a validation error and
// fails the run. Run it with tests/sdk/ts/run.sh.
//
// Environment: PENNYDROP_BASE_URL, PENNYDROP_PUBLIC_KEY, PENNYDROP_SECRET_KEY (a sandbox key:
// micro-deposit amounts [0, 0], instant code MV0001). Exit status 0 only if every step passed.

import { Moov } from "@moovio/sdk";
import * as errors from "@moovio/sdk/models/errors/index.js";
import { createRequire } from "node:module";
import { randomUUID } from "node:crypto";

const SDK_VERSION_EXPECTED = "26.7.1";
const ROUTING = "021000021";

let stepNo = 0;
function step(msg) {
  stepNo += 1;
  console.log(`[${String(stepNo).padStart(2, "0")}] ok   ${msg}`);
}

class StepFailed extends Error {}

function check(cond, msg) {
  if (!cond) throw new StepFailed(msg);
}

function eq(actual, expected, what) {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) throw new StepFailed(`${what}: expected ${e}, got ${a}`);
}

function env(name) {
  const v = process.env[name];
  if (!v) throw new StepFailed(`environment variable ${name} is required`);
  return v;
}

/** Runs fn, which must fail with HTTP `status`; returns the error. */
async function expectStatus(fn, status, what) {
  try {
    await fn();
  } catch (e) {
    if (e instanceof errors.SDKValidationError || e instanceof errors.ResponseValidationError) throw e;
    check(e?.statusCode === status, `${what}: expected HTTP ${status}, got ${e?.statusCode}: ${e}`);
    return e;
  }
  throw new StepFailed(`${what}: expected HTTP ${status}, the call succeeded`);
}

const number = () => String(BigInt("0x" + randomUUID().replaceAll("-", ""))).slice(0, 12);

async function accounts(moov) {
  const tag = randomUUID();
  const person = (
    await moov.accounts.create({
      accountType: "individual",
      profile: { individual: { name: { firstName: "Jane", lastName: "Doe" }, email: "jane@example.com" } },
      foreignID: `ts-${tag}`,
      metadata: { suite: "ts" },
    })
  ).result;
  eq(person.accountType, "individual", "individual accountType");
  eq(person.displayName, "Jane Doe", "individual displayName");
  step(`accounts.create(individual): ${person.accountID}`);

  const business = (
    await moov.accounts.create({
      accountType: "business",
      profile: { business: { legalBusinessName: "Acme Widgets LLC", email: "ops@acme.example" } },
      foreignID: `ts-b-${tag}`,
    })
  ).result;
  eq(business.profile.business?.ownersProvided, false, "business ownersProvided");
  eq(business.displayName, "Acme Widgets LLC", "business displayName");
  step(`accounts.create(business): ${business.accountID}, ownersProvided=false`);

  const all = (await moov.accounts.list({ count: 250 })).result;
  const ids = all.map((a) => a.accountID);
  check(ids.includes(person.accountID) && ids.includes(business.accountID), "list has both accounts");
  check(all.some((a) => a.accountID !== business.accountID && a.accountType === "business"),
    "list has the facilitator's own business account");
  step(`accounts.list(): ${all.length} accounts, the facilitator's included, all parsed`);
  for (const type of ["individual", "business"]) {
    const some = (await moov.accounts.list({ type })).result;
    check(some.length > 0 && some.every((a) => a.accountType === type), `list type=${type}`);
  }
  const byForeign = (await moov.accounts.list({ foreignID: `ts-${tag}` })).result;
  eq(byForeign.map((a) => a.accountID), [person.accountID], "list by foreignID");
  step("accounts.list(type=individual|business, foreignID=...)");

  eq((await moov.accounts.get({ accountID: business.accountID })).result.accountID, business.accountID, "get business");
  eq((await moov.accounts.get({ accountID: person.accountID })).result.accountID, person.accountID, "get individual");
  step("accounts.get(individual, business)");

  const renamed = (
    await moov.accounts.update({
      accountID: person.accountID,
      patchAccount: { profile: { individual: { name: { firstName: "Janet" } } }, metadata: { suite: "ts", step: "update" } },
    })
  ).result;
  eq(renamed.displayName, "Janet Doe", "updated displayName");
  eq(renamed.metadata, { step: "update", suite: "ts" }, "updated metadata");
  const owners = (
    await moov.accounts.update({
      accountID: business.accountID,
      patchAccount: { profile: { business: { doingBusinessAs: "Acme", ownersProvided: true } } },
    })
  ).result;
  eq(owners.displayName, "Acme", "business displayName after update");
  eq(owners.profile.business?.ownersProvided, true, "ownersProvided after update");
  step("accounts.update(individual name + metadata, business doingBusinessAs + ownersProvided)");
  return { person, business };
}

async function link(moov, accountID, accountNumber = number()) {
  const ba = (
    await moov.bankAccounts.link({
      accountID,
      linkBankAccount: {
        account: {
          holderName: "Jane Doe",
          holderType: "individual",
          accountNumber,
          bankAccountType: "checking",
          routingNumber: ROUTING,
        },
      },
    })
  ).result;
  eq(ba.status, "new", "linked status");
  eq(ba.lastFourAccountNumber, accountNumber.slice(-4), "lastFourAccountNumber");
  return ba;
}

async function bankAccounts(moov, accountID) {
  const micro = await link(moov, accountID);
  step(`bankAccounts.link: ${micro.bankAccountID}`);
  eq((await moov.bankAccounts.get({ accountID, bankAccountID: micro.bankAccountID })).result.bankAccountID,
    micro.bankAccountID, "bankAccounts.get");
  step("bankAccounts.get");

  await moov.bankAccounts.initiateMicroDeposits({ accountID, bankAccountID: micro.bankAccountID });
  step("bankAccounts.initiateMicroDeposits: 204");
  const done = (
    await moov.bankAccounts.completeMicroDeposits({
      accountID, bankAccountID: micro.bankAccountID, completeMicroDeposits: { amounts: [0, 0] },
    })
  ).result;
  eq(done.status, "verified", "completeMicroDeposits status");
  step("bankAccounts.completeMicroDeposits([0,0]): verified");

  const instant = await link(moov, accountID);
  const started = (await moov.bankAccounts.initiateVerification({ accountID, bankAccountID: instant.bankAccountID })).result;
  check(["instant", "ach"].includes(started.verificationMethod), `verificationMethod ${started.verificationMethod}`);
  step(`bankAccounts.initiateVerification: ${started.verificationMethod}`);
  const got = (await moov.bankAccounts.getVerification({ accountID, bankAccountID: instant.bankAccountID })).result;
  check(["new", "sent-credit"].includes(got.status), `getVerification status ${got.status}`);
  step(`bankAccounts.getVerification: ${got.status}`);
  const verified = (
    await moov.bankAccounts.completeVerification({
      accountID, bankAccountID: instant.bankAccountID, completeBankAccountVerification: { code: "MV0001" },
    })
  ).result;
  eq(verified.status, "successful", "completeVerification status");
  step("bankAccounts.completeVerification(MV0001): successful");

  const listed = (await moov.bankAccounts.list({ accountID })).result;
  eq(listed.map((b) => b.status).sort(), ["verified", "verified"], "bankAccounts.list statuses");
  step("bankAccounts.list: both verified");

  const methods = (await moov.paymentMethods.list({ accountID })).result;
  check(methods.some((m) => m.paymentMethodType === "ach-debit-fund"), "a verified account has ach-debit-fund");
  const one = (await moov.paymentMethods.get({ accountID, paymentMethodID: methods[0].paymentMethodID })).result;
  eq(one.paymentMethodID, methods[0].paymentMethodID, "paymentMethods.get");
  step(`paymentMethods.list (${methods.length}) and get`);

  await moov.bankAccounts.disable({ accountID, bankAccountID: micro.bankAccountID });
  await expectStatus(() => moov.bankAccounts.get({ accountID, bankAccountID: micro.bankAccountID }), 404, "get disabled");
  step("bankAccounts.disable: 204, then get 404");
  return instant;
}


/** The webhook API: every operation parsed by the SDK (the target is a closed port on loopback:
 * the ping reports no answer, 0). */
async function webhooks(moov) {
  const types = (await moov.webhooks.listEventTypes()).result;
  check(types.some((t) => t.type === "bankAccount.created"), "event types list bankAccount.created");
  const url = "http://127.0.0.1:9/hooks";
  const created = (
    await moov.webhooks.create({ url, status: "enabled", eventTypes: ["*"], description: "ts e2e" })
  ).result;
  const webhookID = created.webhookID;
  step(`webhooks.listEventTypes (${types.length}), webhooks.create: ${webhookID}`);
  const secret = (await moov.webhooks.getSecret({ webhookID })).result.secret;
  check(secret.startsWith("whsec_"), "a Standard Webhooks secret");
  const ping = (await moov.webhooks.ping({ webhookID })).result;
  eq(ping.responseStatusCode, 0, "ping of a closed port");
  eq(ping.requestBodySent.type, "event.test", "ping body");
  check((await moov.webhooks.list()).result.some((w) => w.webhookID === webhookID), "listed");
  const updated = (
    await moov.webhooks.update({
      webhookID,
      updateWebhook: { url, status: "disabled", eventTypes: ["bankAccount.updated"], description: "off" },
    })
  ).result;
  eq(updated.status, "disabled", "updated status");
  eq((await moov.webhooks.get({ webhookID })).result.description, "off", "get after update");
  await moov.webhooks.disable({ webhookID });
  await expectStatus(() => moov.webhooks.get({ webhookID }), 404, "a deleted webhook");
  step("webhooks.getSecret, ping, list, update, get, disable");
}

async function main() {
  const require = createRequire(import.meta.url);
  const version = require("@moovio/sdk/package.json").version;
  console.log(`@moovio/sdk ${version} against ${process.env.PENNYDROP_BASE_URL}`);
  check(version === SDK_VERSION_EXPECTED, `expected @moovio/sdk ${SDK_VERSION_EXPECTED}, found ${version}`);
  const security = { username: env("PENNYDROP_PUBLIC_KEY"), password: env("PENNYDROP_SECRET_KEY") };
  const moov = new Moov({ serverURL: env("PENNYDROP_BASE_URL"), security, timeoutMs: 30000 });

  await moov.ping.ping();
  step("ping.ping");
  const token = (
    await moov.authentication.createAccessToken({
      grantType: "client_credentials",
      clientId: security.username,
      clientSecret: security.password,
      scope: "/accounts.read /ping.read",
    })
  ).result;
  check(token.accessToken.length > 0, "access token");
  const bearer = new Moov({ serverURL: env("PENNYDROP_BASE_URL"), accessToken: token.accessToken });
  check((await bearer.accounts.list({})).result.length > 0, "list with the token");
  step("authentication.createAccessToken, then accounts.list with the bearer token");

  await webhooks(moov);
  const { person, business } = await accounts(moov);
  const kept = await bankAccounts(moov, person.accountID);

  await moov.accounts.disconnect({ accountID: person.accountID });
  step("accounts.disconnect: 204");
  await expectStatus(() => moov.accounts.get({ accountID: person.accountID }), 404, "get disconnected");
  await expectStatus(
    () => moov.bankAccounts.get({ accountID: person.accountID, bankAccountID: kept.bankAccountID }), 404,
    "bank account of a disconnected account");
  const left = (await moov.accounts.list({ count: 250 })).result.map((a) => a.accountID);
  check(!left.includes(person.accountID) && left.includes(business.accountID), "disconnected account not listed");
  step("after disconnect: account and bank account 404, not listed");
  const facilitator = (await moov.accounts.list({ count: 1 })).result[0];
  const refused = await expectStatus(() => moov.accounts.disconnect({ accountID: facilitator.accountID }), 409,
    "disconnect the facilitator");
  check(refused instanceof errors.GenericError, `409 is a GenericError: ${refused?.constructor?.name}`);
  step("accounts.disconnect(facilitator): GenericError 409");
}

try {
  await main();
  console.log(`PASS typescript (${stepNo} steps)`);
} catch (e) {
  if (e instanceof errors.SDKValidationError || e instanceof errors.ResponseValidationError) {
    console.error(`FAIL SDK validation error: ${e.message}\n${e.pretty?.() ?? ""}\nraw: ${JSON.stringify(e.rawValue ?? e.body)?.slice(0, 2000)}`);
  } else if (e instanceof StepFailed) {
    console.error(`FAIL ${e.message}`);
  } else {
    console.error(`FAIL ${e?.constructor?.name} HTTP ${e?.statusCode ?? "-"}: ${e?.message}\n${e?.body ?? e?.stack ?? ""}`);
  }
  process.exit(1);
}
