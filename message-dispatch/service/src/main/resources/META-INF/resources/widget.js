/*
 * Onramp in-app inbox widget: a bell with an unread badge and a panel of messages, live.
 * No dependencies. Embed it with one tag; your backend computes the user hash:
 *
 *   <script src="https://onramp.example.com/widget.js" async
 *           data-user-id="u-123" data-user-hash="HMAC-SHA256(inbox secret, u-123) in hex"></script>
 *
 * Optional: data-onramp-url (default: where this script comes from), data-mount (a CSS selector to put the bell in;
 * default: a floating button at the bottom right), data-title (default "Updates").
 * Or from code: Onramp.inbox({ url, userId, userHash, mount, title }).
 */
(function () {
  "use strict";

  var STYLE = [
    ".onramp-root{position:relative;display:inline-block;font:14px/1.4 system-ui,-apple-system,'Segoe UI',sans-serif;color:#1f2933}",
    ".onramp-floating{position:fixed;right:24px;bottom:24px;z-index:2147483000}",
    ".onramp-bell{position:relative;width:44px;height:44px;border-radius:50%;border:0;background:#3b5bdb;color:#fff;cursor:pointer;",
    "box-shadow:0 2px 8px rgba(0,0,0,.25);display:flex;align-items:center;justify-content:center}",
    ".onramp-bell:focus-visible{outline:3px solid #91a7ff;outline-offset:2px}",
    ".onramp-badge{position:absolute;top:-4px;right:-4px;min-width:20px;height:20px;padding:0 5px;border-radius:10px;background:#e03131;",
    "color:#fff;font-size:12px;font-weight:700;line-height:20px;text-align:center;box-sizing:border-box}",
    ".onramp-badge[hidden]{display:none}",
    ".onramp-panel{position:absolute;right:0;bottom:56px;width:340px;max-height:440px;overflow:auto;background:#fff;border-radius:10px;",
    "box-shadow:0 8px 28px rgba(0,0,0,.22);padding:8px 0}",
    ".onramp-inline .onramp-panel{bottom:auto;top:52px}",
    ".onramp-panel[hidden]{display:none}",
    ".onramp-head{padding:6px 16px 10px;font-weight:700;font-size:15px;border-bottom:1px solid #eef0f3}",
    ".onramp-empty{padding:24px 16px;color:#7b8794;text-align:center}",
    ".onramp-item{position:relative;padding:12px 40px 12px 16px;border-bottom:1px solid #f2f4f7}",
    ".onramp-item.onramp-unread{background:#f4f6ff}",
    ".onramp-sender{display:flex;align-items:center;gap:8px;margin:0 0 6px;color:#52606d;font-size:13px}",
    ".onramp-avatar{width:28px;height:28px;border-radius:50%;object-fit:cover;flex:none}",
    ".onramp-initials{display:inline-flex;align-items:center;justify-content:center;background:#dbe4ff;color:#364fc7;font-weight:700}",
    ".onramp-sender-name{font-weight:600;color:#1f2933}",
    ".onramp-item-title{font-weight:600;margin:0 0 4px}",
    ".onramp-item-body{margin:0 0 8px;color:#3e4c59}",
    ".onramp-action{display:inline-block;padding:5px 12px;border-radius:6px;background:#3b5bdb;color:#fff;text-decoration:none;font-weight:600}",
    ".onramp-dismiss{position:absolute;top:8px;right:8px;width:26px;height:26px;border:0;border-radius:50%;background:transparent;",
    "color:#7b8794;font-size:18px;line-height:26px;cursor:pointer}",
    ".onramp-dismiss:hover{background:#eef0f3}",
    ".onramp-thread{border-left:4px solid #e8590c}",
    ".onramp-thread-label{margin:0 0 6px;color:#c2410c;font-size:12px;font-weight:700;text-transform:uppercase;letter-spacing:.04em}",
    ".onramp-earlier{margin:8px 0 0;padding:8px 0 0;border-top:1px dashed #e4e7eb;list-style:none}",
    ".onramp-earlier li{margin:0 0 6px;color:#52606d;font-size:13px}",
    ".onramp-earlier time{color:#7b8794;margin-right:6px;font-variant-numeric:tabular-nums}"
  ].join("");

  var BELL = '<svg width="22" height="22" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2"' +
    ' stroke-linecap="round" stroke-linejoin="round" aria-hidden="true"><path d="M18 8a6 6 0 0 0-12 0c0 7-3 9-3 9h18s-3-2-3-9"/>' +
    '<path d="M13.73 21a2 2 0 0 1-3.46 0"/></svg>';

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text != null) node.textContent = text; // text, never HTML: messages cannot inject markup
    return node;
  }

  /** "Belle · Content Crafter" with her picture, or her initial where there is none or it does not load. */
  function senderLine(sender) {
    var line = el("div", "onramp-sender");
    var initial = el("span", "onramp-avatar onramp-initials", sender.name.trim().charAt(0).toUpperCase());
    initial.setAttribute("aria-hidden", "true");
    if (sender.avatar && /^https?:\/\/[^\s"'<>\\]+$/i.test(sender.avatar)) {
      var picture = el("img", "onramp-avatar");
      picture.alt = "";
      picture.referrerPolicy = "no-referrer";
      picture.addEventListener("error", function () {
        if (picture.parentNode) picture.parentNode.replaceChild(initial, picture);
      });
      picture.src = sender.avatar;
      line.appendChild(picture);
    } else {
      line.appendChild(initial);
    }
    var who = el("span", "onramp-sender-text");
    who.appendChild(el("span", "onramp-sender-name", sender.name));
    if (sender.role) who.appendChild(document.createTextNode(" \u00b7 " + sender.role));
    line.appendChild(who);
    return line;
  }

  /**
   * The messages as the panel shows them, newest first: an incident's notice, updates and resolve together as one
   * thread (placed where its newest message is), every other message on its own.
   */
  function entries(messages) {
    var out = [];
    var threads = {};
    messages.forEach(function (m) {
      if (m.incident) {
        if (!threads[m.incident]) {
          threads[m.incident] = { incident: m.incident, messages: [] };
          out.push(threads[m.incident]);
        }
        threads[m.incident].messages.push(m);
      } else {
        out.push({ messages: [m] });
      }
    });
    return out;
  }

  function clock(iso) {
    var at = new Date(iso);
    return isNaN(at) ? "" : at.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  }

  function Inbox(options) {
    if (!options.userId || !options.userHash) {
      throw new Error("Onramp inbox: userId and userHash are required");
    }
    this.url = (options.url || "").replace(/\/$/, "");
    this.userId = options.userId;
    this.userHash = options.userHash;
    this.title = options.title || "Updates";
    this.messages = [];
    this.unread = 0;
    this.build(options.mount);
    this.connect();
  }

  Inbox.prototype.endpoint = function (path) {
    return this.url + "/v1/inbox/" + encodeURIComponent(this.userId) + path;
  };

  Inbox.prototype.build = function (mount) {
    if (!document.getElementById("onramp-style")) {
      var style = el("style");
      style.id = "onramp-style";
      style.textContent = STYLE;
      document.head.appendChild(style);
    }
    var host = mount ? document.querySelector(mount) : null;
    this.root = el("div", "onramp-root " + (host ? "onramp-inline" : "onramp-floating"));
    this.bell = el("button", "onramp-bell");
    this.bell.type = "button";
    this.bell.innerHTML = BELL; // a constant icon, no user data
    this.bell.setAttribute("aria-haspopup", "true");
    this.bell.setAttribute("aria-expanded", "false");
    this.badge = el("span", "onramp-badge");
    this.badge.hidden = true;
    this.bell.appendChild(this.badge);
    this.panel = el("div", "onramp-panel");
    this.panel.hidden = true;
    this.panel.setAttribute("role", "dialog");
    this.panel.setAttribute("aria-label", this.title);
    this.root.appendChild(this.panel);
    this.root.appendChild(this.bell);
    (host || document.body).appendChild(this.root);
    var self = this;
    this.bell.addEventListener("click", function () { self.toggle(); });
    document.addEventListener("keydown", function (e) { if (e.key === "Escape") self.close(); });
    this.render();
  };

  Inbox.prototype.toggle = function () {
    if (this.panel.hidden) this.open(); else this.close();
  };

  Inbox.prototype.open = function () {
    this.panel.hidden = false;
    this.bell.setAttribute("aria-expanded", "true");
    var self = this;
    this.messages.forEach(function (m) { if (!m.readAt) self.post(m.id, "read"); });
  };

  Inbox.prototype.close = function () {
    this.panel.hidden = true;
    this.bell.setAttribute("aria-expanded", "false");
  };

  Inbox.prototype.post = function (id, action) {
    return fetch(this.endpoint("/messages/" + encodeURIComponent(id) + "/" + action), {
      method: "POST",
      headers: { "X-Onramp-User-Hash": this.userHash }
    });
  };

  Inbox.prototype.update = function (state) {
    this.messages = state.messages || [];
    this.unread = state.unread || 0;
    this.render();
    if (!this.panel.hidden) this.open();
  };

  Inbox.prototype.render = function () {
    this.badge.hidden = this.unread === 0;
    this.badge.textContent = this.unread > 99 ? "99+" : String(this.unread);
    this.bell.setAttribute("aria-label", this.title + (this.unread ? ", " + this.unread + " unread" : ""));
    this.panel.textContent = "";
    this.panel.appendChild(el("div", "onramp-head", this.title));
    if (this.messages.length === 0) {
      this.panel.appendChild(el("div", "onramp-empty", "You're all caught up."));
      return;
    }
    var self = this;
    entries(this.messages).forEach(function (entry) {
      var m = entry.messages[0];
      var unread = entry.messages.some(function (x) { return !x.readAt; });
      var item = el("div", "onramp-item" + (entry.incident ? " onramp-thread" : "") + (unread ? " onramp-unread" : ""));
      item.setAttribute("data-message-id", m.id);
      if (entry.incident) {
        item.setAttribute("data-incident", entry.incident);
        var count = entry.messages.length;
        item.appendChild(el("div", "onramp-thread-label", count === 1 ? "Incident" : "Incident \u00b7 " + count + " messages"));
      }
      if (m.sender && m.sender.name) item.appendChild(senderLine(m.sender));
      item.appendChild(el("p", "onramp-item-title", m.title));
      item.appendChild(el("p", "onramp-item-body", m.body));
      if (m.action && m.action.url) {
        var action = el("a", "onramp-action", m.action.label || "Open");
        // http(s) URLs and paths of this site only: not javascript:, not //host nor its browser spelling /\host.
        if (/^(https?:\/\/[^\\\s]+|\/(?![\/\\])[^\\\s]*)$/.test(m.action.url)) action.href = m.action.url;
        action.addEventListener("click", function (e) {
          e.preventDefault();
          var go = function () { if (action.href) window.location.assign(action.href); };
          self.post(m.id, "click").then(go, go);
        });
        item.appendChild(action);
      }
      if (entry.messages.length > 1) {
        // The earlier messages of the incident, newest first, under the latest.
        var earlier = el("ol", "onramp-earlier");
        earlier.setAttribute("aria-label", "Earlier updates");
        entry.messages.slice(1).forEach(function (older) {
          var line = el("li");
          line.setAttribute("data-message-id", older.id);
          line.appendChild(el("time", null, clock(older.createdAt)));
          line.appendChild(el("strong", null, older.title));
          line.appendChild(document.createTextNode(" " + older.body));
          earlier.appendChild(line);
        });
        item.appendChild(earlier);
      }
      var dismiss = el("button", "onramp-dismiss", "\u00d7");
      dismiss.type = "button";
      dismiss.setAttribute("aria-label", "Dismiss");
      dismiss.addEventListener("click", function () {
        var gone = entry.messages.map(function (x) { return x.id; });
        self.messages = self.messages.filter(function (x) { return gone.indexOf(x.id) < 0; });
        self.render();
        gone.forEach(function (id) { self.post(id, "dismiss"); });
      });
      item.appendChild(dismiss);
      self.panel.appendChild(item);
    });
  };

  /** Live updates over Server-Sent Events; EventSource reconnects by itself, and each (re)connect sends the inbox. */
  Inbox.prototype.connect = function () {
    var self = this;
    if (typeof EventSource === "undefined") {
      var poll = function () {
        fetch(self.endpoint("/messages"), { headers: { "X-Onramp-User-Hash": self.userHash } })
          .then(function (r) { return r.json(); })
          .then(function (state) { self.update(state); }, function () {});
      };
      poll();
      setInterval(poll, 30000);
      return;
    }
    this.source = new EventSource(this.endpoint("/stream?userHash=" + encodeURIComponent(this.userHash)));
    this.source.addEventListener("inbox", function (e) {
      try { self.update(JSON.parse(e.data)); } catch (ignored) { /* a malformed event changes nothing */ }
    });
  };

  var script = document.currentScript;
  window.Onramp = window.Onramp || {};
  window.Onramp.inbox = function (options) { return new Inbox(options || {}); };

  if (script && script.getAttribute("data-user-id")) {
    var base = script.getAttribute("data-onramp-url") || script.src.replace(/\/widget\.js(\?.*)?$/, "");
    var start = function () {
      window.Onramp.instance = window.Onramp.inbox({
        url: base,
        userId: script.getAttribute("data-user-id"),
        userHash: script.getAttribute("data-user-hash"),
        mount: script.getAttribute("data-mount"),
        title: script.getAttribute("data-title")
      });
    };
    if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start); else start();
  }
})();
