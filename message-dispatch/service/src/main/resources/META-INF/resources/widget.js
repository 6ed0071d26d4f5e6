/*
 * Onramp in-app inbox widget: a bell with an unread badge and a panel of messages, live. Users can reply to messages
 * that take replies and send feedback; a teammate's answer arrives in the same thread (docs/conversations.md).
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
    ".onramp-earlier time{color:#7b8794;margin-right:6px;font-variant-numeric:tabular-nums}",
    ".onramp-head{display:flex;align-items:center;justify-content:space-between;gap:8px}",
    ".onramp-link{border:0;background:none;color:#3b5bdb;font:inherit;font-size:13px;font-weight:600;cursor:pointer;padding:2px 4px;border-radius:4px}",
    ".onramp-link:hover{background:#eef2ff}",
    ".onramp-chat{margin:8px 0 0;padding:0;list-style:none;display:flex;flex-direction:column;gap:6px}",
    ".onramp-bubble{max-width:85%;padding:6px 10px;border-radius:12px;background:#f1f3f5;white-space:pre-wrap;overflow-wrap:anywhere}",
    ".onramp-bubble.onramp-mine{align-self:flex-end;background:#3b5bdb;color:#fff}",
    ".onramp-bubble .onramp-sender{margin:0 0 4px}",
    ".onramp-who{display:block;font-size:12px;font-weight:600;opacity:.8;margin:0 0 2px}",
    ".onramp-form{margin:8px 0 0;display:flex;flex-direction:column;gap:6px}",
    ".onramp-form textarea{font:inherit;min-height:56px;padding:6px 8px;border:1px solid #cbd2d9;border-radius:6px;resize:vertical}",
    ".onramp-form select{font:inherit;padding:4px 6px;border:1px solid #cbd2d9;border-radius:6px;background:#fff}",
    ".onramp-form-row{display:flex;gap:8px;justify-content:flex-end;align-items:center}",
    ".onramp-send{padding:5px 12px;border:0;border-radius:6px;background:#3b5bdb;color:#fff;font:inherit;font-weight:600;cursor:pointer}",
    ".onramp-send[disabled]{opacity:.6;cursor:default}",
    ".onramp-note{font-size:13px;color:#52606d;margin:0}",
    ".onramp-note.onramp-error{color:#c92a2a}",
    ".onramp-feedback{padding:10px 16px;border-bottom:1px solid #eef0f3;background:#fafbfc}",
    ".onramp-conversation-label{color:#3b5bdb}"
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
   * thread, and a conversation (the message replied to, what the user wrote, the team's answers) as another, each
   * placed where its newest message is; every other message on its own.
   */
  function entries(messages) {
    var out = [];
    var threads = {};
    messages.forEach(function (m) {
      var key = m.incident ? "i:" + m.incident : m.conversation ? "c:" + m.conversation : null;
      if (key) {
        if (!threads[key]) {
          threads[key] = { incident: m.incident || null, conversation: m.incident ? null : m.conversation, messages: [] };
          out.push(threads[key]);
        }
        threads[key].messages.push(m);
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
    this.feedback = null;   // what the server takes back: { categories: [...] }, or null when conversations are off
    this.composing = null;  // the form being written: { key, text, category }, kept across live updates
    this.notes = {};        // per form: what the last send said
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

  /** Writes back: feedback (no replyTo) or a reply to a message; resolves to the server's answer or rejects. */
  Inbox.prototype.write = function (body) {
    body.id = "w" + Date.now().toString(36) + Math.random().toString(36).slice(2, 10); // the same try sent twice counts once
    return fetch(this.endpoint("/conversations"), {
      method: "POST",
      headers: { "X-Onramp-User-Hash": this.userHash, "Content-Type": "application/json" },
      body: JSON.stringify(body)
    }).then(function (r) {
      if (r.ok) return r.json();
      return r.json().catch(function () { return {}; }).then(function (problem) {
        var error = new Error(problem.detail || ("HTTP " + r.status));
        error.status = r.status;
        throw error;
      });
    });
  };

  Inbox.prototype.update = function (state) {
    this.feedback = state.feedback || null;
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
    var self = this;
    var head = el("div", "onramp-head");
    head.appendChild(el("span", null, this.title));
    if (this.feedback) {
      var open = el("button", "onramp-link onramp-feedback-open", "Send feedback");
      open.type = "button";
      open.addEventListener("click", function () {
        self.composing = self.composing && self.composing.key === "feedback" ? null : { key: "feedback", text: "", category: "" };
        self.notes.feedback = null;
        self.render();
      });
      head.appendChild(open);
    }
    this.panel.appendChild(head);
    if (this.feedback && (this.composing && this.composing.key === "feedback" || this.notes.feedback)) {
      var box = el("div", "onramp-feedback");
      if (this.composing && this.composing.key === "feedback") {
        box.appendChild(this.form("feedback", "Tell us what you think, or what got in your way", null));
      }
      this.note(box, "feedback");
      this.panel.appendChild(box);
    }
    if (this.messages.length === 0) {
      this.panel.appendChild(el("div", "onramp-empty", "You're all caught up."));
      return;
    }
    entries(this.messages).forEach(function (entry) {
      // A conversation's card is the message it answers; feedback has none, only what was said.
      var m = entry.conversation
        ? entry.messages.filter(function (x) { return x.origin !== "user" && x.origin !== "teammate"; })[0] || null
        : entry.messages[0];
      var unread = entry.messages.some(function (x) { return !x.readAt; });
      var item = el("div", "onramp-item" + (entry.incident ? " onramp-thread" : "") +
        (entry.conversation ? " onramp-conversation" : "") + (unread ? " onramp-unread" : ""));
      item.setAttribute("data-message-id", (m || entry.messages[0]).id);
      if (entry.incident) {
        item.setAttribute("data-incident", entry.incident);
        var count = entry.messages.length;
        item.appendChild(el("div", "onramp-thread-label", count === 1 ? "Incident" : "Incident \u00b7 " + count + " messages"));
      }
      if (entry.conversation) item.setAttribute("data-conversation", entry.conversation);
      if (!m) item.appendChild(el("div", "onramp-thread-label onramp-conversation-label", "Your feedback"));
      if (m && m.sender && m.sender.name) item.appendChild(senderLine(m.sender));
      if (m) item.appendChild(el("p", "onramp-item-title", m.title));
      if (m) item.appendChild(el("p", "onramp-item-body", m.body));
      if (m && m.action && m.action.url) {
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
      if (entry.conversation) {
        self.conversation(item, entry);
      } else if (entry.messages.length > 1) {
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
      if (!entry.conversation && !entry.incident && m.replies && self.feedback) {
        self.replyBox(item, "r:" + m.id, m.id);
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

  /**
   * A conversation under the message it answers (if that is still in the inbox): what the user wrote and the team's
   * answers, oldest first, as a chat, then a reply box.
   */
  Inbox.prototype.conversation = function (item, entry) {
    var oldestFirst = entry.messages.slice().reverse();
    var chat = el("ol", "onramp-chat");
    chat.setAttribute("aria-label", "Conversation");
    oldestFirst.forEach(function (m) {
      if (m.origin !== "user" && m.origin !== "teammate") return; // the message replied to is the card itself
      var bubble = el("li", "onramp-bubble" + (m.origin === "user" ? " onramp-mine" : ""));
      bubble.setAttribute("data-message-id", m.id);
      if (m.origin === "user") {
        bubble.appendChild(el("span", "onramp-who", "You"));
      } else if (m.sender && m.sender.name) {
        bubble.appendChild(senderLine(m.sender));
      }
      bubble.appendChild(document.createTextNode(m.body));
      chat.appendChild(bubble);
    });
    item.appendChild(chat);
    if (this.feedback) this.replyBox(item, "c:" + entry.conversation, entry.messages[0].id);
  };

  /** "Reply" under a message that takes replies, or a conversation; the box itself while the user writes. */
  Inbox.prototype.replyBox = function (item, key, replyTo) {
    var self = this;
    if (this.composing && this.composing.key === key) {
      item.appendChild(this.form(key, "Write a reply", replyTo));
    } else {
      var reply = el("button", "onramp-link onramp-reply", "Reply");
      reply.type = "button";
      reply.addEventListener("click", function () {
        self.composing = { key: key, text: "", category: "" };
        self.notes[key] = null;
        self.render();
      });
      item.appendChild(reply);
    }
    this.note(item, key);
  };

  Inbox.prototype.note = function (into, key) {
    var note = this.notes[key];
    if (note) into.appendChild(el("p", "onramp-note" + (note.error ? " onramp-error" : ""), note.text));
  };

  /** A form that keeps what is typed when a live update redraws the panel. */
  Inbox.prototype.form = function (key, label, replyTo) {
    var self = this;
    var state = this.composing;
    var form = el("form", "onramp-form");
    var text = el("textarea");
    text.setAttribute("aria-label", label);
    text.placeholder = label;
    text.maxLength = 2000;
    text.value = state.text;
    text.addEventListener("input", function () { state.text = text.value; });
    form.appendChild(text);
    var select = null;
    if (!replyTo && this.feedback.categories.length) {
      select = el("select");
      select.setAttribute("aria-label", "Topic");
      select.appendChild(new Option("Topic (optional)", ""));
      this.feedback.categories.forEach(function (c) { select.appendChild(new Option(c.charAt(0).toUpperCase() + c.slice(1), c)); });
      select.value = state.category;
      select.addEventListener("change", function () { state.category = select.value; });
      form.appendChild(select);
    }
    var row = el("div", "onramp-form-row");
    var cancel = el("button", "onramp-link", "Cancel");
    cancel.type = "button";
    cancel.addEventListener("click", function () { self.composing = null; self.render(); });
    var send = el("button", "onramp-send", "Send");
    send.type = "submit";
    row.appendChild(cancel);
    row.appendChild(send);
    form.appendChild(row);
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      if (!state.text.trim()) { text.focus(); return; }
      send.disabled = true;
      var body = { text: state.text };
      if (replyTo) body.replyTo = replyTo;
      if (select && state.category) body.category = state.category;
      self.write(body).then(function (written) {
        self.composing = null;
        var note = { text: replyTo ? "Sent." : "Thanks \u2014 the team reads every message." };
        self.notes[key] = note;
        // A first reply turns the message into a conversation: its card is then keyed by the conversation.
        if (replyTo && written && written.conversationId) self.notes["c:" + written.conversationId] = note;
        self.render();
      }, function (error) {
        send.disabled = false;
        self.notes[key] = {
          error: true,
          text: error.status === 429 ? "You've written a lot just now \u2014 try again in a minute." : "Could not send: " + error.message
        };
        self.render();
      });
    });
    setTimeout(function () { if (self.composing === state) { text.focus(); text.setSelectionRange(text.value.length, text.value.length); } }, 0);
    return form;
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
