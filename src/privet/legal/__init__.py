"""Legal process and disclosures: demands, what was released to whom, and preservation holds."""
