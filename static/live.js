// Live prices on the listing, the coin page and the watchlist. Without this script the page
// shows the prices it was rendered with; with it, one stream per tab (GET /prices/live) brings
// the figures of the coins on the page after each market snapshot, already formatted by the
// server as the page formats them, and this only replaces text. Elements take part through
// data attributes: data-live-price="<coin id>" on a price, data-live-change="1h|24h|7d" on a
// change in the same table row (or anywhere on a coin page), data-live-updated on the
// "Prices as of" time. Screen readers hear one polite line at most once a minute.
// Served from our own origin (the CSP allows no inline script), deferred.
"use strict";
(function () {
  var MAX_IDS = 100;
  var ANNOUNCE_EVERY_MS = 60 * 1000;
  if (!window.EventSource) {
    return;
  }
  var prices = Array.prototype.slice.call(document.querySelectorAll("[data-live-price]"));
  if (prices.length === 0) {
    return;
  }
  var ids = [];
  prices.forEach(function (el) {
    var id = el.getAttribute("data-live-price");
    if (id && ids.indexOf(id) < 0 && ids.length < MAX_IDS) {
      ids.push(id);
    }
  });

  var query = "ids=" + encodeURIComponent(ids.join(","));
  // The page's own ?currency= wins over the cookie, as it did for the page.
  var currency = new URLSearchParams(window.location.search).get("currency");
  if (currency) {
    query += "&currency=" + encodeURIComponent(currency);
  }
  var url = "/prices/live?" + query;

  var region = document.createElement("p");
  region.className = "visually-hidden";
  region.setAttribute("aria-live", "polite");
  region.setAttribute("data-live-announcer", "");
  document.body.appendChild(region);
  var lastAnnounced = 0;
  var pendingAnnouncement = null;
  var latestTime = "";

  function announce() {
    pendingAnnouncement = null;
    lastAnnounced = Date.now();
    region.textContent = "Prices updated" + (latestTime ? " at " + latestTime : "") + ".";
  }

  // At most once a minute: a change within the minute is said when the minute is up.
  function changed() {
    if (pendingAnnouncement !== null) {
      return;
    }
    var wait = lastAnnounced + ANNOUNCE_EVERY_MS - Date.now();
    pendingAnnouncement = window.setTimeout(announce, Math.max(wait, 0));
  }

  // The text the element shows directly (not that of its child elements).
  function ownText(el) {
    for (var node = el.firstChild; node; node = node.nextSibling) {
      if (node.nodeType === Node.TEXT_NODE && node.nodeValue.trim() !== "") {
        return node;
      }
    }
    return null;
  }

  function setText(node, text) {
    if (node && node.nodeValue !== text) {
      node.nodeValue = text;
      return true;
    }
    return false;
  }

  function updatePrice(el, figures) {
    return setText(ownText(el), figures.price);
  }

  function updateChange(el, change) {
    if (!change) {
      return false;
    }
    var moved = setText(ownText(el), change.text);
    ["up", "down", "flat", "unknown"].forEach(function (direction) {
      el.classList.toggle(direction, direction === change.direction);
    });
    var spans = el.getElementsByTagName("span");
    if (spans.length >= 2) {
      spans[0].textContent = change.arrow;
      spans[spans.length - 1].textContent = " (" + change.word + ")";
    }
    return moved;
  }

  function updateTime(updated) {
    if (!updated) {
      return;
    }
    latestTime = updated.text.replace(/^\d{4}-\d{2}-\d{2} /, "");
    document.querySelectorAll("[data-live-updated]").forEach(function (time) {
      time.setAttribute("datetime", updated.machine);
      time.textContent = updated.text;
      var after = time.nextSibling;
      if (after && after.nodeType === Node.TEXT_NODE && /^ \(.*\)\.$/.test(after.nodeValue)) {
        after.nodeValue = " (" + updated.relative + ").";
      }
    });
  }

  function apply(update) {
    var moved = false;
    prices.forEach(function (el) {
      var figures = update.coins[el.getAttribute("data-live-price")];
      if (!figures) {
        return;
      }
      moved = updatePrice(el, figures) || moved;
      var scope = el.closest("tr") || document;
      scope.querySelectorAll("[data-live-change]").forEach(function (change) {
        moved = updateChange(change, figures.changes[change.getAttribute("data-live-change")]) || moved;
      });
    });
    updateTime(update.updated);
    if (moved) {
      changed();
    }
  }

  var source = null;
  var retry = null;
  var backoff = 30 * 1000;

  function open() {
    if (source || document.hidden) {
      return;
    }
    source = new EventSource(url);
    source.addEventListener("open", function () {
      backoff = 30 * 1000;
    });
    source.addEventListener("prices", function (event) {
      try {
        apply(JSON.parse(event.data));
      } catch (err) {
        // A malformed event leaves the page as it is.
      }
    });
    source.addEventListener("error", function () {
      // A stream that ended is reopened by the browser; one that was refused (busy, or a
      // coin no longer listed) is closed for good, so try again later, less and less often.
      if (source && source.readyState === EventSource.CLOSED) {
        close();
        retry = window.setTimeout(function () {
          retry = null;
          open();
        }, backoff);
        backoff = Math.min(backoff * 2, 5 * 60 * 1000);
      }
    });
  }

  function close() {
    if (source) {
      source.close();
      source = null;
    }
    if (retry !== null) {
      window.clearTimeout(retry);
      retry = null;
    }
  }

  // A hidden tab holds no connection; on its return the first event brings it up to date.
  document.addEventListener("visibilitychange", function () {
    if (document.hidden) {
      close();
    } else {
      open();
    }
  });
  window.addEventListener("pagehide", close);
  open();
})();
