// Live parts of a console page, refreshed through the tenant's event stream (/app/live, Server-Sent Events).
// A live part is an element with an id, data-live="<event type prefixes>" (types without "io.fleetkeeper.", e.g.
// "shadow. connection."; "*" for any) and optionally data-live-device="<device id>"; it refreshes itself through
// htmx on the event "fk-live". Changes close together are fetched once. When the stream cannot be had (the tenant's
// stream limit, a proxy that buffers), the parts refresh every data-refresh ms instead. Loaded from the server
// only (no inline script). The stream's state is on <html data-live-stream="open|reconnecting|polling">.
(function () {
  "use strict";
  var timers = {};
  var last = {};
  var gap = 1000;

  function parts() {
    return document.querySelectorAll("[data-live]");
  }

  function matches(el, change) {
    var device = el.getAttribute("data-live-device");
    if (device && device !== change.device) {
      return false;
    }
    return el.getAttribute("data-live").split(/\s+/).some(function (p) {
      return p === "*" || (p.length > 0 && change.type.indexOf(p) === 0);
    });
  }

  function fire(id) {
    delete timers[id];
    last[id] = Date.now();
    var el = document.getElementById(id);
    if (el && window.htmx) {
      window.htmx.trigger(el, "fk-live");
    }
  }

  // A burst of changes is fetched once; a part is fetched at most once a second (or every data-refresh ms, when
  // that is shorter).
  function refresh(el) {
    var id = el.id;
    if (id && !timers[id]) {
      var wait = Math.max(100, (last[id] || 0) + gap - Date.now());
      timers[id] = setTimeout(function () { fire(id); }, wait);
    }
  }

  function state(s) {
    document.documentElement.setAttribute("data-live-stream", s);
  }

  function poll(every) {
    if (!polling) {
      polling = true;
      state("polling");
      setInterval(function () { parts().forEach(refresh); }, every);
    }
  }

  function start() {
    var meta = document.querySelector("meta[name=fk-live]");
    if (!meta || parts().length === 0) {
      return;
    }
    var every = parseInt(meta.getAttribute("data-refresh"), 10) || 5000;
    gap = Math.min(gap, every);
    if (typeof EventSource === "undefined") {
      poll(every);
      return;
    }
    var received = 0;
    var source = new EventSource("/app/live?after=" + encodeURIComponent(meta.getAttribute("content")));
    source.onopen = function () { state("open"); };
    source.onerror = function () {
      if (source.readyState === EventSource.CLOSED) {
        poll(every);
      } else {
        state("reconnecting");
      }
    };
    source.onmessage = function (e) {
      var change;
      try {
        change = JSON.parse(e.data);
      } catch (ignored) {
        return;
      }
      received++;
      document.documentElement.setAttribute("data-live-events", String(received));
      parts().forEach(function (el) {
        if (matches(el, change)) {
          refresh(el);
        }
      });
    };
    window.addEventListener("pagehide", function () { source.close(); });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
