/*
 * stripe-sim's stand-in for Stripe.js (https://js.stripe.com), served at /js/stripe.js.
 *
 * Real Stripe.js is unreachable offline. A page loads this script before @stripe/stripe-js's
 * loadStripe(), which then uses the existing window.Stripe. It provides what
 * @stripe/react-stripe-js's <Elements>/<PaymentElement> and a Payment Element checkout call:
 * Stripe(pk).elements(), elements.create("payment"), mount/on/off/update/destroy,
 * elements.update/submit/getElement, confirmPayment, confirmCardPayment, createPaymentMethod,
 * retrievePaymentIntent, handleNextAction, registerAppInfo, _registerWrapper; for saving a
 * card, confirmSetup, confirmCardSetup and retrieveSetupIntent.
 *
 * The Payment Element is a plain accessible card form (no iframe) with buttons that fill in
 * Stripe's test cards. Payments are confirmed against the simulator's API with the
 * publishable key and client secret, as Stripe.js does; 3D Secure shows an in-page dialog.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  // The API lives where this script came from, whatever host/port the simulator runs on.
  var API_ORIGIN = script && script.src ? new URL(script.src).origin : window.location.origin;
  // The release train @stripe/stripe-js@10.2.1 expects (its RELEASE_TRAIN): any other
  // value makes loadStripe() warn that the wrong Stripe.js is on the page.
  var VERSION = "endive";

  var TEST_CARDS = [
    { label: "success", number: "4242424242424242" },
    { label: "decline", number: "4000000000000002" },
    { label: "3D Secure", number: "4000002760003184" },
  ];
  var AUTH_FAILED_MESSAGE =
    "We are unable to authenticate your payment method. Please choose a different payment method and try again.";
  var CLIENT_SECRET = /^((pi|seti)_[A-Za-z0-9]+)_secret_[A-Za-z0-9]+$/;

  function IntegrationError(message) {
    var err = new Error(message);
    err.name = "IntegrationError";
    return err;
  }

  // Stripe's form encoding: nested objects as a[b][c]=v, arrays as a[0]=v.
  function encodeForm(params) {
    var pairs = [];
    function add(key, value) {
      if (value === undefined || value === null) return;
      if (typeof value === "object") {
        Object.keys(value).forEach(function (k) {
          add(key + "[" + k + "]", value[k]);
        });
        return;
      }
      pairs.push(encodeURIComponent(key) + "=" + encodeURIComponent(String(value)));
    }
    Object.keys(params).forEach(function (k) {
      add(k, params[k]);
    });
    return pairs.join("&");
  }

  function formatCard(number) {
    return number.replace(/(\d{4})(?=\d)/g, "$1 ");
  }

  function luhnValid(number) {
    var sum = 0;
    for (var i = 0; i < number.length; i++) {
      var digit = Number(number[number.length - 1 - i]);
      if (i % 2 === 1) {
        digit *= 2;
        if (digit > 9) digit -= 9;
      }
      sum += digit;
    }
    return sum % 10 === 0;
  }

  // ---------------------------------------------------------------- events
  function Emitter() {
    this.handlers = {};
  }
  Emitter.prototype.on = function (event, handler) {
    (this.handlers[event] = this.handlers[event] || []).push(handler);
    return this;
  };
  Emitter.prototype.once = function (event, handler) {
    var self = this;
    function wrapper(payload) {
      self.off(event, wrapper);
      handler(payload);
    }
    return this.on(event, wrapper);
  };
  Emitter.prototype.off = function (event, handler) {
    var list = this.handlers[event];
    if (!list) return this;
    this.handlers[event] = handler
      ? list.filter(function (h) {
          return h !== handler;
        })
      : [];
    return this;
  };
  Emitter.prototype.emit = function (event, payload) {
    (this.handlers[event] || []).slice().forEach(function (h) {
      h(payload);
    });
  };

  // ---------------------------------------------------------------- card form state
  function readCard(fields) {
    var number = fields.number.value.replace(/\D/g, "");
    var expiry = fields.expiry.value.replace(/\s/g, "");
    var match = /^(\d{1,2})\/?(\d{2})$/.exec(expiry) || /^(\d{2})(\d{2})$/.exec(expiry);
    var cvc = fields.cvc.value.replace(/\D/g, "");
    return {
      number: number,
      expMonth: match ? Number(match[1]) : null,
      expYear: match ? 2000 + Number(match[2]) : null,
      expiryRaw: expiry,
      cvc: cvc,
    };
  }

  // Stripe's Payment Element validation messages and codes.
  function validateCard(card) {
    var errors = {};
    var minLength = /^3[47]/.test(card.number) ? 15 : 16;
    if (card.number.length < minLength) {
      errors.number = { code: "incomplete_number", message: "Your card number is incomplete." };
    } else if (!luhnValid(card.number)) {
      errors.number = { code: "invalid_number", message: "Your card number is invalid." };
    }
    if (!card.expMonth || !card.expYear) {
      errors.expiry = { code: "incomplete_expiry", message: "Your card's expiration date is incomplete." };
    } else if (card.expMonth < 1 || card.expMonth > 12) {
      errors.expiry = { code: "invalid_expiry_month", message: "Your card's expiration date is invalid." };
    } else {
      var now = new Date();
      var year = now.getFullYear();
      if (card.expYear < year) {
        errors.expiry = { code: "invalid_expiry_year_past", message: "Your card's expiration year is in the past." };
      } else if (card.expYear === year && card.expMonth < now.getMonth() + 1) {
        errors.expiry = { code: "invalid_expiry_month_past", message: "Your card's expiration date is in the past." };
      }
    }
    if (card.cvc.length < 3) {
      errors.cvc = { code: "incomplete_cvc", message: "Your card's security code is incomplete." };
    }
    return errors;
  }

  // ---------------------------------------------------------------- Payment Element
  var elementCounter = 0;

  function PaymentElement(group, options) {
    Emitter.call(this);
    this._group = group;
    this._options = options || {};
    this._container = null;
    this._root = null;
    this._fields = null;
    this._errors = null;
    this._destroyed = false;
    this._id = "stripe-sim-pe-" + ++elementCounter;
  }
  PaymentElement.prototype = Object.create(Emitter.prototype);

  PaymentElement.prototype.mount = function (target) {
    if (this._destroyed) throw IntegrationError("This Element has already been destroyed. Please create a new one.");
    var node = typeof target === "string" ? document.querySelector(target) : target;
    if (!node) throw IntegrationError("The selector you specified (" + target + ") applies to no DOM elements.");
    this._container = node;
    this._render();
    var self = this;
    this.emit("loaderstart", { elementType: "payment" });
    setTimeout(function () {
      if (!self._destroyed) self.emit("ready", { elementType: "payment" });
    }, 0);
  };

  PaymentElement.prototype._render = function () {
    var id = this._id;
    var root = document.createElement("div");
    root.className = "stripe-sim-payment-element";
    root.setAttribute("data-stripe-sim", "payment-element");
    root.innerHTML =
      '<fieldset style="border:1px solid #ccc;border-radius:6px;padding:12px;margin:0 0 8px">' +
      "<legend>Card</legend>" +
      field(id, "number", "Card number", "1234 1234 1234 1234", "cc-number") +
      '<div style="display:flex;gap:8px">' +
      field(id, "expiry", "Expiration date", "MM / YY", "cc-exp") +
      field(id, "cvc", "Security code", "CVC", "cc-csc") +
      "</div></fieldset>" +
      '<div role="group" aria-labelledby="' + id + '-tests" style="font-size:0.9em">' +
      '<p id="' + id + '-tests" style="margin:0 0 4px">Test cards (stripe-sim)</p>' +
      TEST_CARDS.map(function (c) {
        return (
          '<button type="button" data-number="' + c.number + '" style="margin:0 4px 4px 0">' +
          "Use " + c.label + " test card " + formatCard(c.number) + "</button>"
        );
      }).join("") +
      "</div>";
    this._container.appendChild(root);
    this._root = root;
    this._fields = {
      number: root.querySelector("#" + id + "-number"),
      expiry: root.querySelector("#" + id + "-expiry"),
      cvc: root.querySelector("#" + id + "-cvc"),
    };
    var self = this;
    Object.keys(this._fields).forEach(function (name) {
      self._fields[name].addEventListener("input", function () {
        self._clearError(name);
        self._emitChange();
      });
    });
    Array.prototype.forEach.call(root.querySelectorAll("button[data-number]"), function (button) {
      button.addEventListener("click", function () {
        self._fill(button.getAttribute("data-number"));
      });
    });
    // focus/blur of the Element as a whole, like Stripe's (not per input).
    root.addEventListener("focusin", function (e) {
      if (!e.relatedTarget || !root.contains(e.relatedTarget)) self.emit("focus", { elementType: "payment" });
    });
    root.addEventListener("focusout", function (e) {
      if (!e.relatedTarget || !root.contains(e.relatedTarget)) self.emit("blur", { elementType: "payment" });
    });
  };

  function field(id, name, label, placeholder, autocomplete) {
    return (
      '<div style="flex:1;margin-bottom:6px">' +
      '<label for="' + id + "-" + name + '" style="display:block">' + label + "</label>" +
      '<input id="' + id + "-" + name + '" name="' + name + '" inputmode="numeric" autocomplete="' +
      autocomplete + '" placeholder="' + placeholder + '" aria-describedby="' + id + "-" + name +
      '-error" style="width:100%;box-sizing:border-box;padding:6px">' +
      '<p id="' + id + "-" + name + '-error" class="stripe-sim-error" role="alert" style="color:#b00020;margin:2px 0 0;min-height:0"></p>' +
      "</div>"
    );
  }

  PaymentElement.prototype._fill = function (number) {
    var year = String((new Date().getFullYear() + 3) % 100);
    this._fields.number.value = formatCard(number);
    this._fields.expiry.value = "12 / " + year;
    this._fields.cvc.value = "123";
    var self = this;
    Object.keys(this._fields).forEach(function (name) {
      self._clearError(name);
    });
    this._emitChange();
  };

  PaymentElement.prototype._state = function () {
    var card = readCard(this._fields);
    var errors = validateCard(card);
    return {
      card: card,
      errors: errors,
      complete: Object.keys(errors).length === 0,
      empty: !card.number && !card.expiryRaw && !card.cvc,
    };
  };

  PaymentElement.prototype._emitChange = function () {
    var state = this._state();
    this.emit("change", {
      elementType: "payment",
      complete: state.complete,
      empty: state.empty,
      collapsed: false,
      value: { type: "card" },
    });
  };

  PaymentElement.prototype._clearError = function (name) {
    var input = this._fields[name];
    input.removeAttribute("aria-invalid");
    document.getElementById(input.id + "-error").textContent = "";
  };

  // Shows each field's message under it; returns the first error, Stripe-shaped.
  PaymentElement.prototype._validate = function () {
    var state = this._state();
    var first = null;
    var self = this;
    ["number", "expiry", "cvc"].forEach(function (name) {
      var error = state.errors[name];
      if (!error) return;
      var input = self._fields[name];
      input.setAttribute("aria-invalid", "true");
      document.getElementById(input.id + "-error").textContent = error.message;
      if (!first) first = error;
    });
    if (first) {
      this._fields[first.code.indexOf("number") >= 0 ? "number" : first.code.indexOf("cvc") >= 0 ? "cvc" : "expiry"].focus();
      return { error: { type: "validation_error", code: first.code, message: first.message } };
    }
    return { card: state.card };
  };

  PaymentElement.prototype._paymentMethodData = function (card, billingDetails) {
    return {
      type: "card",
      card: { number: card.number, exp_month: card.expMonth, exp_year: card.expYear, cvc: card.cvc },
      billing_details: billingDetails,
    };
  };

  PaymentElement.prototype.update = function (options) {
    Object.assign(this._options, options || {});
  };
  PaymentElement.prototype.focus = function () {
    if (this._fields) this._fields.number.focus();
  };
  PaymentElement.prototype.blur = function () {
    if (this._root && this._root.contains(document.activeElement)) document.activeElement.blur();
  };
  PaymentElement.prototype.clear = function () {
    if (!this._fields) return;
    var self = this;
    Object.keys(this._fields).forEach(function (name) {
      self._fields[name].value = "";
      self._clearError(name);
    });
    this._emitChange();
  };
  PaymentElement.prototype.collapse = function () {};
  PaymentElement.prototype.unmount = function () {
    if (this._root && this._root.parentNode) this._root.parentNode.removeChild(this._root);
    this._root = null;
    this._fields = null;
  };
  PaymentElement.prototype.destroy = function () {
    this.unmount();
    this._destroyed = true;
    this.handlers = {};
    if (this._group._payment === this) this._group._payment = null;
  };

  // ---------------------------------------------------------------- Elements group
  function Elements(stripe, options) {
    Emitter.call(this);
    options = options || {};
    if (!options.clientSecret && !options.mode) {
      throw IntegrationError("elements(): either `clientSecret` or `mode` must be provided.");
    }
    if (options.mode === "payment") {
      if (typeof options.amount !== "number" || !Number.isInteger(options.amount) || options.amount < 0) {
        throw IntegrationError("Invalid value for elements(): amount should be a non-negative integer. You specified: " + options.amount + ".");
      }
      if (typeof options.currency !== "string") {
        throw IntegrationError("Invalid value for elements(): currency should be a string. You specified: " + options.currency + ".");
      }
    }
    this._stripe = stripe;
    this._options = Object.assign({}, options);
    this._payment = null;
    this._submitted = false;
  }
  Elements.prototype = Object.create(Emitter.prototype);

  Elements.prototype.create = function (type, options) {
    if (type !== "payment") {
      throw IntegrationError('stripe-sim\'s Stripe.js only provides the Payment Element ("payment"), not "' + type + '".');
    }
    if (this._payment) throw IntegrationError("Can only create one Element of type payment.");
    this._payment = new PaymentElement(this, options);
    return this._payment;
  };
  Elements.prototype.getElement = function (type) {
    return type === "payment" ? this._payment : null;
  };
  Elements.prototype.update = function (options) {
    Object.assign(this._options, options || {});
    var self = this;
    setTimeout(function () {
      self.emit("update-end");
    }, 0);
    return Promise.resolve();
  };
  Elements.prototype.fetchUpdates = function () {
    return Promise.resolve({});
  };
  Elements.prototype.submit = function () {
    if (!this._payment || !this._payment._fields) {
      return Promise.resolve({
        error: { type: "validation_error", code: "incomplete", message: "The Payment Element is not mounted." },
      });
    }
    var result = this._payment._validate();
    if (result.error) {
      this._submitted = false;
      return Promise.resolve({ error: result.error });
    }
    this._submitted = true;
    return Promise.resolve({ selectedPaymentMethod: "card" });
  };

  // Deferred-intent Elements (mode/amount/currency, no clientSecret) must be submitted
  // before confirmation, and each confirmation consumes the submission.
  Elements.prototype._takeCard = function (method) {
    if (!this._payment || !this._payment._fields) {
      throw IntegrationError("stripe." + method + "(): the Payment Element must be mounted.");
    }
    if (!this._options.clientSecret && !this._submitted) {
      throw IntegrationError(
        "elements.submit() must be called before stripe." + method + "(). Call elements.submit() as soon as your customer presses pay, prior to any asynchronous work. Integration guide: https://stripe.com/docs/payments/accept-a-payment-deferred",
      );
    }
    this._submitted = false;
    return this._payment._validate();
  };

  // What Stripe.js knows from Elements and Stripe checks against the intent.
  Elements.prototype._clientContext = function () {
    var o = this._options;
    if (o.clientSecret) return undefined;
    return {
      mode: o.mode,
      currency: o.currency,
      capture_method: o.captureMethod || "automatic",
    };
  };

  // ---------------------------------------------------------------- Stripe instance
  function StripeInstance(key, options) {
    this._key = key;
    this._options = options || {};
    this._appInfo = null;
    this._wrappers = [];
  }

  StripeInstance.prototype._request = function (method, path, params) {
    var body = encodeForm(params || {});
    var url = API_ORIGIN + path + (method === "GET" && body ? "?" + body : "");
    var headers = { Authorization: "Bearer " + this._key };
    if (method !== "GET") headers["Content-Type"] = "application/x-www-form-urlencoded";
    return fetch(url, { method: method, headers: headers, body: method === "GET" ? undefined : body }).then(
      function (response) {
        return response.json().then(function (json) {
          if (json && json.error) return { error: json.error };
          return { data: json };
        });
      },
      function (err) {
        return {
          error: {
            type: "api_connection_error",
            message: "stripe-sim unreachable at " + API_ORIGIN + ": " + (err && err.message),
          },
        };
      },
    );
  };

  // `prefix`: "pi" for PaymentIntent methods (the default), "seti" for SetupIntent ones.
  function intentIdFrom(clientSecret, method, prefix) {
    var match = typeof clientSecret === "string" ? CLIENT_SECRET.exec(clientSecret) : null;
    if (!match || match[2] !== (prefix || "pi")) {
      throw IntegrationError(
        "Invalid value for " + method + ": clientSecret should be a client secret of the form ${id}_secret_${secret}. You specified: " + clientSecret + ".",
      );
    }
    return match[1];
  }

  // The 3D Secure challenge: an in-page dialog with one button per answer.
  function askAuthentication(intent) {
    return new Promise(function (resolve) {
      var overlay = document.createElement("div");
      overlay.setAttribute("data-stripe-sim", "3ds-overlay");
      overlay.style.cssText =
        "position:fixed;inset:0;background:rgba(0,0,0,.45);display:flex;align-items:center;justify-content:center;z-index:2147483647";
      var what =
        intent.object === "setup_intent"
          ? "saving a card for later payments"
          : "a payment of " + (intent.amount / 100).toFixed(2) + " " + String(intent.currency).toUpperCase();
      overlay.innerHTML =
        '<div role="dialog" aria-modal="true" aria-labelledby="stripe-sim-3ds-title" aria-describedby="stripe-sim-3ds-desc" ' +
        'style="background:#fff;color:#111;padding:20px;border-radius:8px;max-width:22rem;font-family:system-ui,sans-serif">' +
        '<h2 id="stripe-sim-3ds-title" style="margin-top:0">Authentication required</h2>' +
        '<p id="stripe-sim-3ds-desc">Simulated 3D Secure challenge for ' + what + ".</p>" +
        '<button type="button" data-result="approve">Complete authentication</button> ' +
        '<button type="button" data-result="fail">Fail authentication</button>' +
        "</div>";
      function finish(result) {
        document.removeEventListener("keydown", onKey, true);
        if (overlay.parentNode) overlay.parentNode.removeChild(overlay);
        resolve(result);
      }
      function onKey(e) {
        if (e.key === "Escape") finish("fail");
      }
      Array.prototype.forEach.call(overlay.querySelectorAll("button"), function (button) {
        button.addEventListener("click", function () {
          finish(button.getAttribute("data-result"));
        });
      });
      document.addEventListener("keydown", onKey, true);
      document.body.appendChild(overlay);
      overlay.querySelector("button").focus();
    });
  }

  // After a confirmation answered requires_action: challenge, then report like Stripe.js.
  StripeInstance.prototype._handleAction = function (intent, clientSecret) {
    var self = this;
    var setup = intent.object === "setup_intent";
    var path = (setup ? "/v1/setup_intents/" : "/v1/payment_intents/") + intent.id + "/_authenticate";
    return askAuthentication(intent).then(function (result) {
      return self
        ._request("POST", path, {
          client_secret: clientSecret,
          result: result,
        })
        .then(function (res) {
          if (res.error) return { error: res.error };
          var after = res.data;
          if (after.status === "requires_payment_method") {
            var error = {
              type: "invalid_request_error",
              code: setup ? "setup_intent_authentication_failure" : "payment_intent_authentication_failure",
              message: AUTH_FAILED_MESSAGE,
            };
            error[setup ? "setup_intent" : "payment_intent"] = after;
            return { error: error };
          }
          return setup ? { setupIntent: after } : { paymentIntent: after };
        });
    });
  };

  StripeInstance.prototype._confirmSetup = function (intentId, clientSecret, params, handleActions) {
    var self = this;
    params.client_secret = clientSecret;
    params.use_stripe_sdk = true;
    return this._request("POST", "/v1/setup_intents/" + intentId + "/confirm", params).then(function (res) {
      if (res.error) return { error: res.error };
      var intent = res.data;
      if (intent.status === "requires_action" && handleActions) return self._handleAction(intent, clientSecret);
      return { setupIntent: intent };
    });
  };

  StripeInstance.prototype._confirm = function (intentId, clientSecret, params, handleActions) {
    var self = this;
    params.client_secret = clientSecret;
    params.use_stripe_sdk = true;
    return this._request("POST", "/v1/payment_intents/" + intentId + "/confirm", params).then(function (res) {
      if (res.error) return { error: res.error };
      var intent = res.data;
      if (intent.status === "requires_action" && handleActions) return self._handleAction(intent, clientSecret);
      return { paymentIntent: intent };
    });
  };

  function redirectTo(returnUrl, intent, clientSecret) {
    var target = new URL(returnUrl, window.location.href);
    var kind = intent.object === "setup_intent" ? "setup_intent" : "payment_intent";
    target.searchParams.set(kind, intent.id);
    target.searchParams.set(kind + "_client_secret", clientSecret);
    target.searchParams.set("redirect_status", "succeeded");
    window.location.assign(target.toString());
    // Like Stripe.js: the promise never settles once the page is navigating away.
    return new Promise(function () {});
  }

  StripeInstance.prototype.elements = function (options) {
    return new Elements(this, options);
  };

  // What confirmPayment and confirmSetup share: the checks of `options`, the intent id, and
  // the card from Elements (or a saved card's id) as confirm parameters ({error} when the
  // typed card doesn't validate). `method` names the call in errors; `prefix` the intent kind.
  function elementsConfirm(options, method, prefix) {
    options = options || {};
    var elements = options.elements;
    var confirmParams = options.confirmParams || {};
    var ifRequired = options.redirect === "if_required";
    if (!ifRequired && !confirmParams.return_url) {
      throw IntegrationError(
        "stripe." + method + "(): the `confirmParams.return_url` argument is required unless passing `redirect: 'if_required'`",
      );
    }
    var clientSecret = options.clientSecret || (elements && elements._options.clientSecret);
    if (!clientSecret) {
      throw IntegrationError("stripe." + method + "(): the `clientSecret` argument is required when Elements was created without one.");
    }
    var confirm = { intentId: intentIdFrom(clientSecret, "stripe." + method + "()", prefix), clientSecret: clientSecret, confirmParams: confirmParams, ifRequired: ifRequired, params: {} };
    if (elements) {
      var taken = elements._takeCard(method);
      if (taken.error) return { error: taken.error };
      var pmData = confirmParams.payment_method_data || {};
      confirm.params.payment_method_data = elements._payment._paymentMethodData(taken.card, pmData.billing_details);
      confirm.params.expected_payment_method_type = "card";
    } else if (typeof confirmParams.payment_method === "string") {
      confirm.params.payment_method = confirmParams.payment_method;
    } else {
      throw IntegrationError("stripe." + method + "(): pass `elements` or `confirmParams.payment_method`.");
    }
    return confirm;
  }

  StripeInstance.prototype.confirmPayment = function (options) {
    var self = this;
    return Promise.resolve().then(function () {
      var confirm = elementsConfirm(options, "confirmPayment");
      if (confirm.error) return { error: confirm.error };
      var confirmParams = confirm.confirmParams;
      if (options.elements) confirm.params.client_context = options.elements._clientContext();
      ["return_url", "shipping", "receipt_email", "setup_future_usage"].forEach(function (name) {
        if (confirmParams[name] !== undefined) confirm.params[name] = confirmParams[name];
      });
      return self._confirm(confirm.intentId, confirm.clientSecret, confirm.params, true).then(function (result) {
        if (result.error || confirm.ifRequired) return result;
        return redirectTo(confirmParams.return_url, result.paymentIntent, confirm.clientSecret);
      });
    });
  };

  // stripe.confirmSetup({elements, clientSecret, confirmParams, redirect}): like
  // confirmPayment, for a SetupIntent (Elements in mode "setup", or a client secret).
  StripeInstance.prototype.confirmSetup = function (options) {
    var self = this;
    return Promise.resolve().then(function () {
      var confirm = elementsConfirm(options, "confirmSetup", "seti");
      if (confirm.error) return { error: confirm.error };
      var confirmParams = confirm.confirmParams;
      if (confirmParams.return_url !== undefined) confirm.params.return_url = confirmParams.return_url;
      return self._confirmSetup(confirm.intentId, confirm.clientSecret, confirm.params, true).then(function (result) {
        if (result.error || confirm.ifRequired) return result;
        return redirectTo(confirmParams.return_url, result.setupIntent, confirm.clientSecret);
      });
    });
  };

  // The confirm parameters of confirmCardPayment / confirmCardSetup's `data`: a saved card's id,
  // or the card typed into the form ({error} when it doesn't validate), and the return_url.
  function cardConfirmParams(data) {
    data = data || {};
    var params = {};
    var pm = data.payment_method;
    if (typeof pm === "string") {
      params.payment_method = pm;
    } else if (pm && pm.card instanceof PaymentElement) {
      var validated = pm.card._validate();
      if (validated.error) return { error: validated.error };
      params.payment_method_data = pm.card._paymentMethodData(validated.card, pm.billing_details);
    }
    if (data.return_url) params.return_url = data.return_url;
    return params;
  }

  // stripe.confirmCardSetup(clientSecret, {payment_method: "pm_..." | {card: element}}, {handleActions}).
  StripeInstance.prototype.confirmCardSetup = function (clientSecret, data, options) {
    var self = this;
    return Promise.resolve().then(function () {
      var intentId = intentIdFrom(clientSecret, "stripe.confirmCardSetup()", "seti");
      var params = cardConfirmParams(data);
      if (params.error) return { error: params.error };
      var handleActions = !options || options.handleActions !== false;
      return self._confirmSetup(intentId, clientSecret, params, handleActions);
    });
  };

  StripeInstance.prototype.retrieveSetupIntent = function (clientSecret) {
    var self = this;
    return Promise.resolve().then(function () {
      var intentId = intentIdFrom(clientSecret, "stripe.retrieveSetupIntent()", "seti");
      return self._request("GET", "/v1/setup_intents/" + intentId, { client_secret: clientSecret }).then(function (res) {
        return res.error ? { error: res.error } : { setupIntent: res.data };
      });
    });
  };

  StripeInstance.prototype.confirmCardPayment = function (clientSecret, data, options) {
    var self = this;
    return Promise.resolve().then(function () {
      var intentId = intentIdFrom(clientSecret, "stripe.confirmCardPayment()");
      var params = cardConfirmParams(data);
      if (params.error) return { error: params.error };
      var handleActions = !options || options.handleActions !== false;
      return self._confirm(intentId, clientSecret, params, handleActions);
    });
  };

  StripeInstance.prototype.handleNextAction = function (options) {
    var self = this;
    var clientSecret = options && options.clientSecret;
    return Promise.resolve().then(function () {
      intentIdFrom(clientSecret, "stripe.handleNextAction()");
      return self.retrievePaymentIntent(clientSecret).then(function (res) {
        if (res.error) return res;
        if (res.paymentIntent.status !== "requires_action") {
          return {
            error: {
              type: "invalid_request_error",
              code: "payment_intent_unexpected_state",
              message: "The PaymentIntent does not require an action (status: " + res.paymentIntent.status + ").",
              payment_intent: res.paymentIntent,
            },
          };
        }
        return self._handleAction(res.paymentIntent, clientSecret);
      });
    });
  };
  StripeInstance.prototype.handleCardAction = function (clientSecret) {
    return this.handleNextAction({ clientSecret: clientSecret });
  };

  StripeInstance.prototype.retrievePaymentIntent = function (clientSecret) {
    var self = this;
    return Promise.resolve().then(function () {
      var intentId = intentIdFrom(clientSecret, "stripe.retrievePaymentIntent()");
      return self
        ._request("GET", "/v1/payment_intents/" + intentId, { client_secret: clientSecret })
        .then(function (res) {
          return res.error ? { error: res.error } : { paymentIntent: res.data };
        });
    });
  };

  StripeInstance.prototype.createPaymentMethod = function (options) {
    var self = this;
    return Promise.resolve().then(function () {
      options = options || {};
      var params;
      if (options.elements) {
        var taken = options.elements._takeCard("createPaymentMethod");
        if (taken.error) return { error: taken.error };
        var extra = options.params || {};
        params = options.elements._payment._paymentMethodData(taken.card, extra.billing_details);
      } else if (options.card instanceof PaymentElement) {
        var validated = options.card._validate();
        if (validated.error) return { error: validated.error };
        params = options.card._paymentMethodData(validated.card, options.billing_details);
      } else {
        throw IntegrationError("stripe.createPaymentMethod(): pass `elements`.");
      }
      return self._request("POST", "/v1/payment_methods", params).then(function (res) {
        return res.error ? { error: res.error } : { paymentMethod: res.data };
      });
    });
  };

  StripeInstance.prototype.createToken = function () {
    return Promise.resolve({
      error: {
        type: "invalid_request_error",
        message: "stripe-sim does not simulate tokens; use createPaymentMethod or confirmPayment.",
      },
    });
  };

  StripeInstance.prototype.registerAppInfo = function (info) {
    this._appInfo = info;
  };
  StripeInstance.prototype._registerWrapper = function (wrapper) {
    this._wrappers.push(wrapper);
  };

  // ---------------------------------------------------------------- global
  function Stripe(key, options) {
    if (typeof key !== "string") {
      throw IntegrationError("Invalid value for Stripe(): apiKey should be a string. You specified: " + typeof key + ".");
    }
    if (/^sk_/.test(key)) {
      throw IntegrationError("You should not use your secret key with Stripe.js. Please pass a publishable key instead.");
    }
    return new StripeInstance(key, options);
  }
  Stripe.version = VERSION;
  Stripe._sim = { apiOrigin: API_ORIGIN };
  window.Stripe = Stripe;
})();
