"""python-a38's validation of a FatturaPA document: an independent model of the format, run beside
the official XSD (invoices.fatturapa.xml_errors). a38 reports errors only, never warnings."""

from xml.etree import ElementTree

from a38.fattura import auto_from_etree
from a38.validation import Validation

# a38 wants a PECDestinatario whenever CodiceDestinatario is 0000000 (its rule 00426). SdI does not:
# a consumer may give neither a code nor a PEC, gets 0000000 alone and finds the invoice in their
# cassetto fiscale (specifiche tecniche FatturaPA 1.2, CodiceDestinatario). Only that message is set
# aside; the other half of 00426 (a PEC beside a real code) still counts.
STRICTER_THAN_SDI = "pec_destinatario has no value while codice_destinatario has value 0000000"


def a38_all_errors(document):
    """Everything a38 reports on one XML document (bytes), as text."""
    validation = Validation()
    auto_from_etree(ElementTree.fromstring(document)).validate(validation)
    return [str(error) for error in validation.errors]


def a38_errors(document):
    """a38's errors but the one rule stricter than SdI; empty when the document passes."""
    return [error for error in a38_all_errors(document) if not error.endswith(STRICTER_THAN_SDI)]
