"""Digests a SCRAM XML report: REPORT.xml -> PREFIX.json and PREFIX.products.txt.

Numbers stay the strings SCRAM printed (six significant digits), so the
parity test compares against exactly what SCRAM reported.
"""
import json
import sys
import xml.etree.ElementTree as ElementTree

report, prefix = sys.argv[1], sys.argv[2]


def event_name(event):
    """A basic event's name; for a CCF event SCRAM's own name of it,
    "[member member ...]", which the report spells out as its members."""
    if event.tag == "ccf-event":
        return "[" + " ".join(member.get("name") for member in event) + "]"
    return event.get("name")


root = ElementTree.parse(report).getroot()
products_element = root.find("results/sum-of-products")
products = sorted(
    " ".join(sorted(event_name(event) for event in product))
    for product in products_element.findall("product")
)
method = root.find("information/calculated-quantity[@name='Probability Analysis']")
importance = {}
importance_element = root.find("results/importance")
if importance_element is not None:
    for event in importance_element:
        importance[event_name(event)] = {
            key: event.get(key)
            for key in ("occurrence", "probability", "MIF", "CIF", "DIF", "RAW", "RRW")
        }
digest = {
    "top_event": products_element.get("name"),
    "basic_events": int(products_element.get("basic-events")),
    "products": int(products_element.get("products")),
    "distribution": [int(n) for n in products_element.get("distribution", "").split()],
    "probability": products_element.get("probability"),
    "approximation": method.get("approximation") if method is not None else None,
    "importance": importance,
    "warnings": [w.text for w in root.iter("warning")],
}
with open(prefix + ".json", "w") as out:
    json.dump(digest, out, indent=1, sort_keys=True)
    out.write("\n")
with open(prefix + ".products.txt", "w") as out:
    out.write("".join(line + "\n" for line in products))
