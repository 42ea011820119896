// Live total on "Acquista nuovo Servizio Aggiuntivo": asks the quote endpoint whenever the type
// or the quantity changes. Without JavaScript the "Calcola prezzo" button gives the same total.
(function () {
  "use strict";
  var form = document.getElementById("addon-order-form");
  if (!form) { return; }
  var typeField = form.elements.namedItem("addon_type");
  var quantityField = form.elements.namedItem("quantity");
  var errorBox = form.querySelector("[data-quote-error]");
  var confirmButton = form.querySelector("button[name=confirm]");
  var latest = 0;

  function show(field, value) {
    var node = form.querySelector('[data-quote-field="' + field + '"]');
    if (!node) { return; }
    if (node.tagName === "INPUT") { node.value = value; } else { node.textContent = value; }
  }

  function refusal(message) {
    errorBox.textContent = message;
    errorBox.classList.remove("d-none");
    show("gross_cents", "");
    if (confirmButton) { confirmButton.disabled = true; }
  }

  function refresh() {
    var request = ++latest;
    var url = form.dataset.quoteUrl + "?" + new URLSearchParams({
      addon_type: typeField.value, quantity: quantityField.value
    }).toString();
    fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (quote) {
        if (request !== latest) { return; }
        if (!quote.ok) { refusal(quote.error); return; }
        errorBox.classList.add("d-none");
        show("net", quote.net);
        show("vat", quote.vat);
        show("gross", quote.gross);
        show("terms", quote.terms.charAt(0).toUpperCase() + quote.terms.slice(1));
        show("gross_cents", String(quote.gross_cents));
        if (confirmButton) { confirmButton.disabled = false; }
      })
      .catch(function () {
        if (request === latest) { refusal(form.dataset.quoteFailed); }
      });
  }

  typeField.addEventListener("change", refresh);
  quantityField.addEventListener("input", refresh);
})();
