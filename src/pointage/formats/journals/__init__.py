"""The gateway's daily journals (JT, JO, JRB, JRI, remittances) as CSV and XLSX: layouts,
and writers that stream rows (docs/formats/journals.md)."""
