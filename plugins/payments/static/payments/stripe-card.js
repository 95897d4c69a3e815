// Card payment for a placed order: Stripe's Payment Element confirms the PaymentIntent in the
// browser (3-D Secure included) and Stripe returns the shopper to the order's thank-you page.
// The order is marked paid by the webhook, not by this script.
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("stripe-config").textContent);
  var form = document.getElementById("card-payment-form");
  var message = document.getElementById("payment-message");
  var button = document.getElementById("pay-button");
  if (!form) { return; }
  if (typeof Stripe === "undefined") {
    message.textContent = form.dataset.loadError;
    button.disabled = true;
    return;
  }
  var stripe = Stripe(config.publishableKey, { locale: config.locale });
  var elements = stripe.elements({ clientSecret: config.clientSecret });
  elements.create("payment").mount("#payment-element");
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    button.disabled = true;
    message.textContent = "";
    stripe
      .confirmPayment({ elements: elements, confirmParams: { return_url: config.returnUrl } })
      .then(function (result) {
        // Only reached when confirming failed; on success Stripe redirects to returnUrl.
        if (result.error) { message.textContent = result.error.message; }
        button.disabled = false;
      });
  });
})();
