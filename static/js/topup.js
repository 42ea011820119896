// Top-up pages. Everything here is an enhancement: without JavaScript the presets are links,
// the test-mode payment is a plain form and the return page refreshes itself (<noscript>).
(function () {
  "use strict";

  // Presets fill the amount field instead of reloading the page.
  document.querySelectorAll(".topup-preset").forEach(function (link) {
    link.addEventListener("click", function (event) {
      var field = document.querySelector("input[name=amount]");
      if (!field) { return; }
      event.preventDefault();
      field.value = link.dataset.amount;
      field.focus();
    });
  });

  var box = document.getElementById("topup-status");
  if (!box) { return; }

  function show(status, data) {
    box.dataset.status = status;
    box.querySelectorAll("[data-state]").forEach(function (el) {
      el.hidden = el.dataset.state !== status;
    });
    if (data && data.balance) {
      document.querySelectorAll("[data-testid=topup-balance], [data-testid=menu-balance]").forEach(function (el) {
        el.textContent = data.balance;
      });
    }
    if (data && data.message) {
      var message = box.querySelector("[data-role=message]");
      if (message) { message.textContent = data.message; }
    }
  }

  // Poll until Stripe's answer has landed (webhook or the status endpoint's own check): about 5 minutes.
  var polls = 0;
  function poll() {
    fetch(box.dataset.statusUrl, {headers: {"Accept": "application/json"}, credentials: "same-origin"})
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (data && data.status !== "pending") { show(data.status, data); return; }
        if (++polls < 150) { window.setTimeout(poll, 2000); }
      })
      .catch(function () { if (++polls < 150) { window.setTimeout(poll, 2000); } });
  }

  var cardForm = document.getElementById("card-form");
  if (!cardForm) {
    if (box.dataset.status === "pending") { poll(); }
    return;
  }

  // Real Stripe: the card is typed into Stripe's Card Element and confirmed by Stripe.js,
  // which also runs 3-D Secure; the credit still waits for the server to hear from Stripe.
  var stripe = window.Stripe(cardForm.dataset.publishableKey);
  var card = stripe.elements().create("card", {hidePostalCode: true});
  card.mount("#card-element");
  var errors = document.getElementById("card-errors");
  var button = cardForm.querySelector("button[type=submit]");
  cardForm.addEventListener("submit", function (event) {
    event.preventDefault();
    button.disabled = true;
    errors.hidden = true;
    stripe.confirmCardPayment(cardForm.dataset.clientSecret, {payment_method: {card: card}})
      .then(function (result) {
        if (result.error) {
          errors.textContent = result.error.message || "";
          errors.hidden = false;
          button.disabled = false;
          return;
        }
        // Succeeded, processing or refused by the bank: the server's answer decides what to show.
        cardForm.hidden = true;
        show("pending");
        polls = 0;
        poll();
      });
  });
})();
