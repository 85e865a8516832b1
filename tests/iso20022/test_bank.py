#!/usr/bin/env python3
"""A small, independent bank endpoint for the instant-connector tests (tests/instant_connector.rs).

Not the simulator: it shares no code with Pennydrop. It reads and writes ISO 20022 with lxml
(the shapes in docs/iso20022.md) and checks every request with validate.py.

usage: test_bank.py --listen 127.0.0.1:0 --log FILE [--hold SECONDS]
                    [--tls-cert FILE --tls-key FILE --client-ca FILE]

Prints `listening PORT` as its first line. Every POST body is one message:
  - not valid (validate.validate_message, or missing what the bank needs): 400 JSON;
  - pacs.008, by creditor account (CdtrAcct/Id/Othr/Id):
      4000000003 -> 200 pacs.002 RJCT, reason AC03;
      4000000099 -> recorded as settled (ACSC), then the request is held --hold seconds and
                    answered 504 without a status ("no answer");
      anything else -> 200 pacs.002 ACSC;
    a pacs.008 whose EndToEndId is known answers the recorded status, recording nothing new;
  - pacs.028: known OrgnlEndToEndId -> 200 pacs.002 with the recorded status; unknown -> 404.
The pacs.002 comes in the request's network envelope (RTP urn:tch or FedNow outgoing).
One JSON line per request is appended to --log and flushed at once:
  {"kind": "pacs.008"|"pacs.028"|"other", "network": "rtp"|"fednow"|null,
   "end_to_end_id": str|null, "valid": bool, "errors": [..], "http": int}
"""
import argparse
import datetime
import json
import ssl
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from lxml import etree

sys.path.insert(0, str(Path(__file__).resolve().parent))
from validate import validate_message  # noqa: E402

ISO = "urn:iso:std:iso:20022:tech:xsd:"
TCH = "urn:tch"
FEDNOW_IN = "urn:fednow:incoming:v001"
FEDNOW_OUT = "urn:fednow:outgoing:v001"
HEAD = {"rtp": ISO + "head.001.001.01", "fednow": ISO + "head.001.001.02"}
PACS002 = "pacs.002.001.10"
PACS008 = "pacs.008.001.08"
FEDNOW_REGISTRY = "www2.swift.com/mystandards/#/group/Federal_Reserve_Financial_Services/FedNow_Service"

REJECTED_ACCOUNT = "4000000003"
NO_ANSWER_ACCOUNT = "4000000099"


class BadMessage(Exception):
    pass


def child(el, name):
    """The one child element with local name `name`, or None."""
    found = [c for c in el if isinstance(c.tag, str) and etree.QName(c).localname == name]
    return found[0] if len(found) == 1 else None


def path(el, *names):
    for n in names:
        if el is None:
            return None
        el = child(el, n)
    return el


def text(el, *names):
    """Text at a path of local names below `el`; BadMessage when missing or empty."""
    found = path(el, *names)
    value = (found.text or "").strip() if found is not None else ""
    if not value:
        raise BadMessage("missing " + "/".join(names))
    return value


def first(root, local):
    hits = root.xpath("//*[local-name()=$n]", n=local)
    return hits[0] if hits else None


def network_of(root):
    ns = etree.QName(root).namespace
    if ns == TCH:
        return "rtp"
    if ns in (FEDNOW_IN, FEDNOW_OUT):
        return "fednow"
    return None


class Parsed:
    """What the bank needs from a request."""

    def __init__(self, body):
        self.root = etree.fromstring(body)
        self.network = network_of(self.root)
        credit = first(self.root, "FIToFICstmrCdtTrf")
        request = first(self.root, "FIToFIPmtStsReq")
        self.kind = "pacs.008" if credit is not None else "pacs.028" if request is not None else "other"
        self.end_to_end_id = None
        header = first(self.root, "AppHdr")
        if header is None or self.network is None or self.kind == "other":
            return
        member = ("FIId", "FinInstnId", "ClrSysMmbId", "MmbId")
        self.sender = text(header, "Fr", *member)
        self.receiver = text(header, "To", *member)
        if credit is not None:
            tx = child(credit, "CdtTrfTxInf")
            self.end_to_end_id = text(tx, "PmtId", "EndToEndId")
            self.original = {
                "msg_id": text(credit, "GrpHdr", "MsgId"),
                "e2e": self.end_to_end_id,
                "tx_id": text(tx, "PmtId", "TxId"),
            }
            self.creditor_account = text(tx, "CdtrAcct", "Id", "Othr", "Id")
        else:
            tx = child(request, "TxInf")
            self.end_to_end_id = text(tx, "OrgnlEndToEndId")


def now():
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def sub(parent, ns, name, value=None, **attrs):
    el = etree.SubElement(parent, etree.QName(ns, name) if ns else name, **attrs)
    if value is not None:
        el.text = value
    return el


def chain(parent, ns, names, value):
    for n in names[:-1]:
        parent = sub(parent, ns, n)
    return sub(parent, ns, names[-1], value)


def app_header(parent, ns, network, request, message_id):
    member = ("FIId", "FinInstnId", "ClrSysMmbId", "MmbId")
    chain(sub(parent, ns, "Fr"), ns, member, request.receiver)
    chain(sub(parent, ns, "To"), ns, member, request.sender)
    sub(parent, ns, "BizMsgIdr", message_id)
    sub(parent, ns, "MsgDefIdr", PACS002)
    if network == "fednow":
        practice = sub(parent, ns, "MktPrctc")
        sub(practice, ns, "Regy", FEDNOW_REGISTRY)
        sub(practice, ns, "Id", "frb.fednow.01")
    sub(parent, ns, "CreDt", now())


def status_document(parent, network, message_id, record):
    """FIToFIPmtStsRpt in pacs.002.001.10; RTP names the original per group, FedNow per
    transaction."""
    d = ISO + PACS002
    report = sub(parent, d, "FIToFIPmtStsRpt")
    group = sub(report, d, "GrpHdr")
    sub(group, d, "MsgId", message_id)
    sub(group, d, "CreDtTm", now())
    original = record["original"]
    if network == "rtp":
        og = sub(report, d, "OrgnlGrpInfAndSts")
    tx = sub(report, d, "TxInfAndSts")
    if network == "fednow":
        og = sub(tx, d, "OrgnlGrpInf")
    sub(og, d, "OrgnlMsgId", original["msg_id"])
    sub(og, d, "OrgnlMsgNmId", PACS008)
    sub(tx, d, "OrgnlEndToEndId", original["e2e"])
    sub(tx, d, "OrgnlTxId", original["tx_id"])
    sub(tx, d, "TxSts", record["status"])
    if record.get("reason"):
        chain(sub(tx, d, "StsRsnInf"), d, ("Rsn", "Cd"), record["reason"])


def status_report(request, record):
    """The pacs.002 about `record`, in the envelope of the request's network."""
    network = request.network
    message_id = "B" + uuid.uuid4().hex
    if network == "rtp":
        root = etree.Element(etree.QName(TCH, "Message"), nsmap={None: TCH, "head": HEAD["rtp"], "doc": ISO + PACS002})
        app_header(sub(root, TCH, "AppHdr"), HEAD["rtp"], network, request, message_id)
        status_document(sub(root, TCH, "MessageStatusReport"), network, message_id, record)
    else:
        root = etree.Element(etree.QName(FEDNOW_OUT, "FedNowOutgoing"), nsmap={None: FEDNOW_OUT})
        wrapper = sub(sub(root, FEDNOW_OUT, "FedNowOutgoingMessage"), FEDNOW_OUT, "FedNowPaymentStatus")
        head = etree.SubElement(wrapper, etree.QName(HEAD["fednow"], "AppHdr"), nsmap={None: HEAD["fednow"]})
        app_header(head, HEAD["fednow"], network, request, message_id)
        doc = etree.SubElement(wrapper, etree.QName(ISO + PACS002, "Document"), nsmap={None: ISO + PACS002})
        status_document(doc, network, message_id, record)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


class Bank:
    def __init__(self, log_path, hold):
        self.hold = hold
        self.lock = threading.Lock()
        self.payments = {}  # end-to-end id -> {"original", "status", "reason"}
        self.log = open(log_path, "a", encoding="utf-8")

    def write_log(self, entry):
        with self.lock:
            self.log.write(json.dumps(entry) + "\n")
            self.log.flush()

    def credit(self, request):
        """(http status, record or None, hold first?)"""
        with self.lock:
            known = self.payments.get(request.end_to_end_id)
            if known is not None:
                return 200, known, False
            account = request.creditor_account
            if account == REJECTED_ACCOUNT:
                record = {"original": request.original, "status": "RJCT", "reason": "AC03"}
            else:
                record = {"original": request.original, "status": "ACSC", "reason": None}
            self.payments[request.end_to_end_id] = record
        if account == NO_ANSWER_ACCOUNT:
            return 504, None, True
        return 200, record, False

    def status(self, request):
        with self.lock:
            known = self.payments.get(request.end_to_end_id)
        return (200, known, False) if known is not None else (404, None, False)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    bank = None  # set by serve()

    def log_message(self, format, *args):  # noqa: A002 - quiet: the JSON log is the record
        pass

    def setup(self):
        if isinstance(self.request, ssl.SSLSocket):
            self.request.do_handshake()
        super().setup()

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        entry = {"kind": "other", "network": None, "end_to_end_id": None, "valid": False, "errors": []}
        try:
            request = Parsed(body)
            entry.update(kind=request.kind, network=request.network, end_to_end_id=request.end_to_end_id)
            entry["errors"] = validate_message(body)
            if request.kind == "other" and not entry["errors"]:
                entry["errors"] = ["neither a pacs.008 nor a pacs.028"]
        except (etree.XMLSyntaxError, BadMessage, ValueError) as e:
            entry["errors"] = entry["errors"] or [str(e)]
            request = None
        entry["valid"] = not entry["errors"]
        if not entry["valid"]:
            entry["http"] = 400
            self.bank.write_log(entry)
            return self.reply(400, json.dumps({"errors": entry["errors"]}).encode(), "application/json")
        answer = self.bank.credit if request.kind == "pacs.008" else self.bank.status
        code, record, hold = answer(request)
        entry["http"] = code
        self.bank.write_log(entry)
        if hold:
            time.sleep(self.bank.hold)
        if record is None:
            return self.reply(code, b"", "text/plain")
        return self.reply(200, status_report(request, record), "application/xml; charset=utf-8")

    def reply(self, code, body, content_type):
        try:
            self.send_response(code)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body)
        except OSError:
            pass  # the client gave up (it has a timeout shorter than --hold)
        self.close_connection = True


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        # A refused TLS handshake (wrong client certificate) ends here: one line, no traceback.
        print(f"connection from {client_address} failed: {sys.exc_info()[1]}", file=sys.stderr, flush=True)


def tls_context(cert, key, client_ca):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    context.load_verify_locations(cafile=client_ca)
    context.verify_mode = ssl.CERT_REQUIRED
    return context


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listen", default="127.0.0.1:0")
    parser.add_argument("--log", required=True)
    parser.add_argument("--hold", type=float, default=30.0)
    parser.add_argument("--tls-cert")
    parser.add_argument("--tls-key")
    parser.add_argument("--client-ca")
    args = parser.parse_args()
    tls = [args.tls_cert, args.tls_key, args.client_ca]
    if any(tls) and not all(tls):
        parser.error("TLS needs all of --tls-cert, --tls-key and --client-ca")
    host, port = args.listen.rsplit(":", 1)
    Handler.bank = Bank(args.log, args.hold)
    server = Server((host, int(port)), Handler)
    if all(tls):
        context = tls_context(*tls)
        # The handshake runs in the request's thread (Handler.setup), not in accept().
        server.socket = context.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
    print(f"listening {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
