"""Digests a SCRAM XML report: REPORT.xml -> PREFIX.json and PREFIX.products.txt.

Every result is kept: each top event, each event-tree sequence (with its
initiating event), each mission phase (alignment and phase). A result is
named by its key, "initiating-event|name|alignment|phase" with empty fields
where they do not apply. Numbers stay the strings SCRAM printed (six
significant digits), so the parity test compares against exactly what SCRAM
reported. PREFIX.products.txt has one minimal cut set a line, "KEY<TAB>events".
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


def key(element, name=None):
    return "|".join(
        [
            element.get("initiating-event", ""),
            name if name is not None else element.get("name"),
            element.get("alignment", ""),
            element.get("phase", ""),
        ]
    )


root = ElementTree.parse(report).getroot()
method = root.find("information/calculated-quantity[@name='Probability Analysis']")
results = {}
product_lines = []
for products_element in root.findall("results/sum-of-products"):
    result_key = key(products_element)
    product_lines.extend(
        result_key + "\t" + " ".join(sorted(event_name(event) for event in product))
        for product in products_element.findall("product")
    )
    results[result_key] = {
        "basic_events": int(products_element.get("basic-events")),
        "products": int(products_element.get("products")),
        "distribution": [
            int(n) for n in products_element.get("distribution", "").split()
        ],
        "probability": products_element.get("probability"),
        "importance": {},
    }
for importance_element in root.findall("results/importance"):
    result = results[key(importance_element)]
    for event in importance_element:
        result["importance"][event_name(event)] = {
            name: event.get(name)
            for name in ("occurrence", "probability", "MIF", "CIF", "DIF", "RAW", "RRW")
        }
sequences = {}
for initiating_event in root.findall("results/initiating-event"):
    for sequence in initiating_event.findall("sequence"):
        sequence_key = "|".join(
            [
                initiating_event.get("name"),
                sequence.get("name"),
                initiating_event.get("alignment", ""),
                initiating_event.get("phase", ""),
            ]
        )
        sequences[sequence_key] = sequence.get("value")
digest = {
    "approximation": method.get("approximation") if method is not None else None,
    "results": results,
    "sequences": sequences,
    "warnings": sorted(set(w.text for w in root.iter("warning") if w.text)),
}
with open(prefix + ".json", "w") as out:
    json.dump(digest, out, indent=1, sort_keys=True)
    out.write("\n")
with open(prefix + ".products.txt", "w") as out:
    out.write("".join(line + "\n" for line in sorted(product_lines)))
