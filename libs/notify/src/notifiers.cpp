#include <algorithm>
#include <cctype>
#include <map>
#include <optional>
#include <set>

#include "driftless/cel/cel.h"
#include "driftless/core/base64.h"
#include "driftless/core/crypto.h"
#include "driftless/core/error.h"
#include "driftless/core/json.h"
#include "driftless/core/text.h"
#include "driftless/core/time.h"
#include "driftless/core/yaml.h"
#include "driftless/notify/notifier.h"

namespace driftless::notify {
namespace {

using core::Object;
using core::Value;

// url.ParseRequestURI's acceptance, for what providers check: an absolute URL with a scheme, or
// an absolute path; no spaces or control characters.
bool validRequestUri(std::string_view url) {
  if (url.empty()) return false;
  for (unsigned char c : url) {
    if (c <= 0x20 || c == 0x7f) return false;
  }
  if (url.front() == '/') return true;
  const std::size_t colon = url.find(':');
  if (colon == std::string_view::npos || colon == 0) return false;
  if (!std::isalpha(static_cast<unsigned char>(url[0]))) return false;
  for (std::size_t i = 1; i < colon; ++i) {
    const char c = url[i];
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '-' && c != '.')
      return false;
  }
  return true;
}

void requireUrl(const std::string& url, const std::string& what) {
  if (!validRequestUri(url))
    throw core::Error("invalid " + what + " URL " + url + ": 'parse \"" + url +
                      "\": invalid URI for request'");
}

// scheme://host[:port] of url, host without the port, and the path.
struct UrlParts {
  std::string scheme;
  std::string host;      // with the port
  std::string hostname;  // without
  std::string path;      // from the first '/' after the host, query included
};

UrlParts splitUrl(std::string_view url) {
  UrlParts p;
  std::size_t rest = 0;
  const std::size_t scheme = url.find("://");
  if (scheme != std::string_view::npos) {
    p.scheme = std::string(url.substr(0, scheme));
    rest = scheme + 3;
  }
  const std::size_t slash = url.find_first_of("/?#", rest);
  p.host = std::string(url.substr(rest, slash == std::string_view::npos ? url.npos : slash - rest));
  if (const std::size_t at = p.host.rfind('@'); at != std::string::npos) p.host.erase(0, at + 1);
  p.hostname = p.host;
  if (!p.hostname.empty() && p.hostname.front() == '[') {
    p.hostname = p.hostname.substr(1, p.hostname.find(']') - 1);
  } else if (const std::size_t colon = p.hostname.rfind(':'); colon != std::string::npos) {
    p.hostname.erase(colon);
  }
  if (slash != std::string_view::npos) p.path = std::string(url.substr(slash));
  return p;
}

std::string author(const Event& e) {
  return core::asciiLower(e.involvedObject.kind) + "/" + e.involvedObject.name + "." +
         e.involvedObject.namespace_;
}

OutboundRequest jsonPost(const std::string& url, std::string body) {
  OutboundRequest r;
  r.url = url;
  r.headers.emplace_back("Content-Type", "application/json");
  r.body = std::move(body);
  return r;
}

void setHeader(Headers& headers, const std::string& name, const std::string& value) {
  for (auto& [k, v] : headers) {
    if (core::asciiLower(k) == core::asciiLower(name)) {
      v = value;
      return;
    }
  }
  headers.emplace_back(name, value);
}

OutboundResponse sendChecked(Transport& transport, const OutboundRequest& request) {
  OutboundResponse response = transport.send(request);
  if (response.status < 200 || response.status >= 300) {
    throw core::Error("postMessage failed: request failed with status code " +
                      std::to_string(response.status));
  }
  return response;
}

// ---------------------------------------------------------------- generic and generic-hmac

class Forwarder : public Notifier {
 public:
  Forwarder(const ProviderSettings& s, bool hmac)
      : url_(s.address), headers_(s.headers), hmacKey_(hmac ? s.token : "") {
    requireUrl(url_, "hook");
    if (hmac && hmacKey_.empty()) throw core::Error("HMAC key is empty");
  }

  void post(const Event& event, Transport& transport) override {
    OutboundRequest r = jsonPost(url_, event.toJson());
    r.headers.emplace_back("gotk-component", event.reportingController);
    for (const auto& [k, v] : headers_)
      setHeader(r.headers, k, v);
    if (!hmacKey_.empty()) {
      setHeader(r.headers, "X-Signature", "sha256=" + core::hmacHex("sha256", hmacKey_, r.body));
    }
    sendChecked(transport, r);
  }

 private:
  std::string url_;
  Headers headers_;
  std::string hmacKey_;  // generic-hmac only (never empty then)
};

// ---------------------------------------------------------------- Slack, Discord, Rocket

enum class SlackFlavor { Slack, Discord, Rocket };

class Slack : public Notifier {
 public:
  Slack(const ProviderSettings& s, SlackFlavor flavor)
      : flavor_(flavor), channel_(s.channel), username_(s.username), token_(s.token) {
    url_ = s.address;
    requireUrl(url_, flavor == SlackFlavor::Discord  ? "Discord hook"
                     : flavor == SlackFlavor::Rocket ? "Rocket hook"
                                                     : "Slack hook");
    if (flavor == SlackFlavor::Discord && !url_.ends_with("/slack")) {
      // path.Join onto the URL's path, keeping the query.
      const std::size_t q = url_.find('?');
      std::string base = url_.substr(0, q);
      while (base.ends_with("/"))
        base.pop_back();
      url_ = base + "/slack" + (q == std::string::npos ? "" : url_.substr(q));
    }
  }

  void post(const Event& event, Transport& transport) override {
    Object payload;
    payload.append("channel", flavor_ == SlackFlavor::Discord ? "" : channel_);
    std::string username = username_;
    if (username.empty() && flavor_ != SlackFlavor::Rocket) username = event.reportingController;
    payload.append("username", username);
    payload.append("icon_url", "");
    payload.append("icon_emoji", "");
    const bool error = event.severity == "error";
    Object a;
    std::string fallback;
    if (flavor_ == SlackFlavor::Slack) {
      fallback = author(event) + ": " + event.message.substr(0, event.message.find('\n'));
    }
    a.append("fallback", fallback);
    if (flavor_ == SlackFlavor::Rocket) {
      a.append("color", error ? "#FF0000" : "#0076D7");
    } else {
      a.append("color", error ? "danger" : "good");
    }
    a.append("author_name", author(event));
    a.append("text", event.message);
    a.append("mrkdwn_in", core::Array{Value("text")});
    core::Array fields;
    for (const auto& [k, v] : event.metadata)
      fields.emplace_back(Object{{"title", k}, {"value", v}, {"short", false}});
    a.append("fields", std::move(fields));
    payload.append("attachments", core::Array{Value(std::move(a))});

    OutboundRequest r = jsonPost(url_, core::toJson(Value(std::move(payload))));
    if (!token_.empty()) r.headers.emplace_back("Authorization", "Bearer " + token_);
    OutboundResponse response = sendChecked(transport, r);
    if (url_ == "https://slack.com/api/chat.postMessage") {
      Value answer;
      try {
        answer = core::parseJson(response.body);
      } catch (const std::exception& e) {
        throw core::Error("postMessage failed: unable to unmarshal response body: " +
                          std::string(e.what()));
      }
      if (!(answer["ok"].isBool() && answer["ok"].asBool())) {
        throw core::Error(
            "postMessage failed: Slack responded with error: " +
            (answer["error"].isString() ? answer["error"].asString() : std::string()));
      }
    }
  }

 private:
  SlackFlavor flavor_;
  std::string url_;
  std::string channel_;
  std::string username_;
  std::string token_;
};

// ---------------------------------------------------------------- Microsoft Teams

class MsTeams : public Notifier {
 public:
  explicit MsTeams(const ProviderSettings& s) : url_(s.address) {
    requireUrl(url_, "MS Teams webhook");
    legacy_ = splitUrl(url_).hostname.ends_with(".webhook.office.com");
  }

  void post(const Event& event, Transport& transport) override {
    const bool error = event.severity == "error";
    Value body;
    if (legacy_) {
      core::Array facts;
      for (const auto& [k, v] : event.metadata)
        facts.emplace_back(Object{{"name", k}, {"value", v}});
      Object section{{"activityTitle", event.message}, {"activitySubtitle", author(event)}};
      section.append("facts", std::move(facts));
      Object card;
      card.append("@type", "MessageCard");
      card.append("@context", "http://schema.org/extensions");
      card.append("themeColor", error ? "FF0000" : "0076D7");
      card.append("summary", author(event));
      card.append("sections", core::Array{Value(std::move(section))});
      body = std::move(card);
    } else {
      core::Array items;
      items.emplace_back(Object{{"type", "TextBlock"},
                                {"text", author(event)},
                                {"size", "large"},
                                {"weight", "bolder"},
                                {"wrap", true}});
      Object message{{"type", "TextBlock"}, {"text", event.message}};
      if (error) message.append("color", "attention");
      message.append("wrap", true);
      items.emplace_back(std::move(message));
      if (!event.metadata.empty()) {
        core::Array facts;
        if (auto it = event.metadata.find("summary"); it != event.metadata.end())
          facts.emplace_back(Object{{"title", "summary"}, {"value", it->second}});
        for (const auto& [k, v] : event.metadata) {
          if (k != "summary") facts.emplace_back(Object{{"title", k}, {"value", v}});
        }
        Object factSet{{"type", "FactSet"}};
        factSet.append("facts", std::move(facts));
        items.emplace_back(std::move(factSet));
      }
      Object container{{"type", "Container"}};
      container.append("items", std::move(items));
      Object content;
      content.append("$schema", "http://adaptivecards.io/schemas/adaptive-card.json");
      content.append("type", "AdaptiveCard");
      content.append("version", "1.4");
      content.append("body", core::Array{Value(std::move(container))});
      content.append("msteams", Object{{"width", "Full"}});
      Object attachment{{"contentType", "application/vnd.microsoft.card.adaptive"}};
      attachment.append("content", std::move(content));
      Object message2{{"type", "message"}};
      message2.append("attachments", core::Array{Value(std::move(attachment))});
      body = std::move(message2);
    }
    sendChecked(transport, jsonPost(url_, core::toJson(body)));
  }

 private:
  std::string url_;
  bool legacy_ = false;
};

// ---------------------------------------------------------------- Google Chat

class GoogleChat : public Notifier {
 public:
  explicit GoogleChat(const ProviderSettings& s) : url_(s.address) {
    requireUrl(url_, "Google Chat hook");
  }

  void post(const Event& event, Transport& transport) override {
    std::string text = event.message;
    if (event.severity == "error") text = "<font color=\"#ff0000\">" + text + "</font>";
    core::Array sections;
    {
      Object widget;
      widget.append("textParagraph", Object{{"text", text}});
      widget.append("keyValue", nullptr);
      Object section{{"header", ""}};
      section.append("widgets", core::Array{Value(std::move(widget))});
      sections.emplace_back(std::move(section));
    }
    if (!event.metadata.empty()) {
      core::Array widgets;
      for (const auto& [k, v] : event.metadata) {
        Object kv{{"topLabel", k}, {"content", v}, {"contentMultiline", false}};
        kv.append("bottomLabel", nullptr);
        kv.append("icon", nullptr);
        Object widget;
        widget.append("textParagraph", nullptr);
        widget.append("keyValue", std::move(kv));
        widgets.emplace_back(std::move(widget));
      }
      Object section{{"header", ""}};
      section.append("widgets", std::move(widgets));
      sections.emplace_back(std::move(section));
    }
    Object header{{"title", author(event)}, {"subtitle", event.reportingController}};
    header.append("imageUrl", nullptr);
    header.append("imageStyle", nullptr);
    Object card;
    card.append("header", std::move(header));
    card.append("sections", std::move(sections));
    Object payload;
    payload.append("cards", core::Array{Value(std::move(card))});
    sendChecked(transport, jsonPost(url_, core::toJson(Value(std::move(payload)))));
  }

 private:
  std::string url_;
};

// ---------------------------------------------------------------- Telegram

std::string escapeMarkdownV2(std::string_view s) {
  static constexpr std::string_view kSpecial = "\\._-[]()~>`#+=|{}!*";
  std::string out;
  for (char c : s) {
    if (kSpecial.find(c) != std::string_view::npos) out.push_back('\\');
    out.push_back(c);
  }
  return out;
}

class Telegram : public Notifier {
 public:
  explicit Telegram(const ProviderSettings& s) {
    if (s.channel.empty()) throw core::Error("empty Telegram channel");
    if (s.token.empty()) throw core::Error("empty Telegram token");
    const std::size_t colon = s.channel.find(':');
    chat_ = s.channel.substr(0, colon);
    if (colon != std::string::npos) thread_ = s.channel.substr(colon + 1);
    url_ = "https://api.telegram.org/bot" + s.token + "/sendMessage";
  }

  void post(const Event& event, Transport& transport) override {
    const std::string emoji = event.severity == "error" ? "🚨" : "💫";
    std::string text =
        "*" + emoji + " " +
        escapeMarkdownV2(core::asciiLower(event.involvedObject.kind) + "/" +
                         event.involvedObject.name + "/" + event.involvedObject.namespace_) +
        "*\n" + escapeMarkdownV2(event.message) + "\n";
    for (const auto& [k, v] : event.metadata)
      text += "\\- *" + escapeMarkdownV2(k) + "*: " + escapeMarkdownV2(v) + "\n";
    Object payload{{"chat_id", chat_}};
    if (!thread_.empty()) payload.append("message_thread_id", thread_);
    payload.append("text", text);
    payload.append("parse_mode", "MarkdownV2");
    OutboundRequest r = jsonPost(url_, core::toJson(Value(std::move(payload))));
    sendChecked(transport, r);  // the dispatcher masks the token the URL holds
  }

 private:
  std::string url_;
  std::string chat_;
  std::string thread_;
};

// ---------------------------------------------------------------- Grafana, Alertmanager

std::int64_t unixSeconds(const std::string& timestamp) {
  const auto t = core::parseRfc3339(timestamp);
  if (!t) return 0;
  return std::chrono::duration_cast<std::chrono::seconds>(t->time_since_epoch()).count();
}

void addAuth(OutboundRequest& r, const ProviderSettings& s, bool basicWins) {
  const bool basic = !s.user.empty() && !s.password.empty();
  if (!s.token.empty() && !(basic && basicWins)) {
    r.headers.emplace_back("Authorization", "Bearer " + s.token);
  } else if (basic) {
    r.headers.emplace_back("Authorization",
                           "Basic " + core::base64Encode(s.user + ":" + s.password));
  }
}

class Grafana : public Notifier {
 public:
  explicit Grafana(const ProviderSettings& s) : s_(s) { requireUrl(s_.address, "Grafana"); }

  void post(const Event& event, Transport& transport) override {
    auto clean = [](std::string v) {
      std::replace(v.begin(), v.end(), ':', '|');
      return v;
    };
    core::Array tags{Value("flux"), Value(event.reportingController)};
    for (const auto& [k, v] : event.metadata)
      tags.emplace_back(clean(k) + ": " + clean(v));
    tags.emplace_back("kind: " + event.involvedObject.kind);
    tags.emplace_back("name: " + event.involvedObject.name);
    tags.emplace_back("namespace: " + event.involvedObject.namespace_);
    Object payload;
    payload.append("when", static_cast<long long>(unixSeconds(event.timestamp)));
    payload.append("text", author(event));
    payload.append("tags", std::move(tags));
    OutboundRequest r = jsonPost(s_.address, core::toJson(Value(std::move(payload))));
    addAuth(r, s_, false);
    sendChecked(transport, r);
  }

 private:
  ProviderSettings s_;
};

class Alertmanager : public Notifier {
 public:
  explicit Alertmanager(const ProviderSettings& s) : s_(s) {
    requireUrl(s_.address, "Alertmanager");
  }

  void post(const Event& event, Transport& transport) override {
    std::map<std::string, std::string> labels(event.metadata.begin(), event.metadata.end());
    std::string summary;
    if (auto it = labels.find("summary"); it != labels.end()) {
      summary = it->second;
      labels.erase(it);
    }
    labels["alertname"] = "Flux" + event.involvedObject.kind + titleCase(event.reason);
    labels["severity"] = event.severity;
    labels["reason"] = event.reason;
    labels["kind"] = event.involvedObject.kind;
    labels["name"] = event.involvedObject.name;
    labels["namespace"] = event.involvedObject.namespace_;
    labels["reportingcontroller"] = event.reportingController;
    Object labelObject;
    for (const auto& [k, v] : labels)
      labelObject.append(k, v);
    Object annotations{{"message", event.message}};
    if (!summary.empty()) annotations.append("summary", summary);
    std::string startsAt = event.timestamp;
    if (const auto t = core::parseRfc3339(startsAt)) startsAt = core::formatRfc3339(*t);
    Object alert{{"status", "firing"}};
    alert.append("labels", std::move(labelObject));
    alert.append("annotations", std::move(annotations));
    alert.append("startsAt", startsAt);
    alert.append("endsAt", "0001-01-01T00:00:00Z");
    OutboundRequest r =
        jsonPost(s_.address, core::toJson(Value(core::Array{Value(std::move(alert))})));
    addAuth(r, s_, true);
    sendChecked(transport, r);
  }

 private:
  ProviderSettings s_;
};

// ---------------------------------------------------------------- commit statuses

// The 40-hex commit of a revision, from metadata commit, originRevision, revision.
std::string commitOf(const Event& event) {
  std::string revision;
  for (const char* key : {"commit", "originRevision", "revision"}) {
    auto it = event.metadata.find(key);
    if (it != event.metadata.end() && !it->second.empty()) {
      revision = it->second;
      break;
    }
  }
  if (revision.empty()) throw core::Error("missing revision metadata");
  std::string hash = revision;
  if (const std::size_t at = hash.rfind('@'); at != std::string::npos) hash = hash.substr(at + 1);
  if (const std::size_t colon = hash.find(':'); colon != std::string::npos) {
    hash = hash.substr(colon + 1);
  } else if (const std::size_t slash = hash.rfind('/'); slash != std::string::npos) {
    hash = hash.substr(slash + 1);
  }
  const bool hex = std::all_of(hash.begin(), hash.end(),
                               [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); });
  if (hash.size() != 40 || !hex)
    throw core::Error("failed to extract commit hash from '" + revision + "' revision");
  return hash;
}

// https://host and owner/repo of an http(s), ssh:// or scp-like Git address.
std::pair<std::string, std::string> parseGitAddress(const std::string& address) {
  std::string host;
  std::string path;
  if (address.find("://") != std::string::npos) {
    UrlParts p = splitUrl(address);
    host =
        (p.scheme == "http" ? "http://" : "https://") + (p.scheme == "ssh" ? p.hostname : p.host);
    path = p.path.substr(0, p.path.find_first_of("?#"));
  } else if (const std::size_t colon = address.find(':'); colon != std::string::npos) {
    std::string h = address.substr(0, colon);
    if (const std::size_t at = h.rfind('@'); at != std::string::npos) h.erase(0, at + 1);
    host = "https://" + h;
    path = address.substr(colon + 1);
  } else {
    throw core::Error("failed parsing Git address " + address);
  }
  while (path.starts_with("/"))
    path.erase(0, 1);
  if (path.ends_with(".git")) path.erase(path.size() - 4);
  return {host, path};
}

std::string percentEscapeAll(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

class CommitStatusBase : public Notifier {
 public:
  explicit CommitStatusBase(const ProviderSettings& s) : s_(s) {
    if (!s_.commitStatusExpr.empty()) {
      program_ = std::make_unique<cel::Program>(
          cel::Program::compile(s_.commitStatusExpr, {"event", "alert", "provider"}));
    }
  }

 protected:
  std::string statusId(const Event& event) const {
    if (!program_) return defaultCommitStatusId(event, s_.providerUid);
    Value result = program_->evaluate(
        {{"event", event.toValue()}, {"alert", s_.alert}, {"provider", s_.provider}});
    if (!result.isString()) throw core::Error("commit status expression must evaluate to a string");
    return result.asString();
  }

  // The statuses a forge lists for a commit; none when the list cannot be read (the status is
  // then set again, as Flux does).
  static core::Array existingStatuses(Transport& transport, const OutboundRequest& list) {
    const OutboundResponse r = transport.send(list);
    if (r.status < 200 || r.status >= 300) return {};
    try {
      Value statuses = core::parseJson(r.body);
      if (statuses.isArray()) return std::move(statuses.asArray());
    } catch (const std::exception&) {
    }
    return {};
  }

  struct Status {
    std::string sha;
    std::string state;
    std::string description;
    std::string id;
  };
  // What to set for an event; nullopt for the Progressing events Flux skips. failed: the state
  // of an error event (GitHub "failure", GitLab "failed").
  std::optional<Status> statusOf(const Event& event, const std::string& failed) const {
    if (event.reason == "Progressing") return std::nullopt;
    Status st;
    st.sha = commitOf(event);
    if (event.severity == "info") {
      st.state = "success";
    } else if (event.severity == "error") {
      st.state = failed;
    } else {
      throw core::Error("failed to convert event severity '" + event.severity +
                        "' to a commit status state");
    }
    st.description = describeReason(event.reason);
    st.id = statusId(event);
    return st;
  }

  ProviderSettings s_;
  std::unique_ptr<cel::Program> program_;
};

class GitHub : public CommitStatusBase {
 public:
  explicit GitHub(const ProviderSettings& s) : CommitStatusBase(s) {
    auto [host, repo] = parseGitAddress(s.address);
    const std::size_t slash = repo.find('/');
    if (slash == std::string::npos || repo.find('/', slash + 1) != std::string::npos ||
        slash == 0 || slash + 1 == repo.size())
      throw core::Error("invalid repository id: '" + repo + "'");
    if (s.token.empty()) throw core::Error("github token or github app details must be specified");
    base_ = splitUrl(host).hostname == "github.com" ? "https://api.github.com/" : host + "/api/v3/";
    repo_ = repo;
  }

  void post(const Event& event, Transport& transport) override {
    const auto status = statusOf(event, "failure");
    if (!status) return;
    const auto& [sha, state, description, id] = *status;

    OutboundRequest list;
    list.method = "GET";
    list.url = base_ + "repos/" + repo_ + "/commits/" + sha + "/statuses?per_page=50";
    addHeaders(list);
    for (const auto& st : existingStatuses(transport, list)) {
      if (!(st["context"].isString() && st["context"].asString() == id)) continue;
      if (st["state"] == Value(state) && st["description"] == Value(description)) return;
      break;
    }
    OutboundRequest create;
    create.url = base_ + "repos/" + repo_ + "/statuses/" + sha;
    addHeaders(create);
    create.headers.emplace_back("Content-Type", "application/json");
    create.body = core::toJson(Value(
                      Object{{"state", state}, {"description", description}, {"context", id}})) +
                  "\n";
    OutboundResponse r = transport.send(create);
    if (r.status < 200 || r.status >= 300)
      throw core::Error("could not create commit status: POST " + create.url + ": " +
                        std::to_string(r.status));
  }

 private:
  void addHeaders(OutboundRequest& r) const {
    r.headers.emplace_back("Authorization", "Bearer " + s_.token);
    r.headers.emplace_back("Accept", "application/vnd.github.v3+json");
    r.headers.emplace_back("X-GitHub-Api-Version", "2022-11-28");
    r.headers.emplace_back("User-Agent", "go-github/v64.0.0");
  }

  std::string base_;
  std::string repo_;
};

class GitLab : public CommitStatusBase {
 public:
  explicit GitLab(const ProviderSettings& s) : CommitStatusBase(s) {
    token_ = s.token.empty() ? s.password : s.token;
    if (token_.empty()) throw core::Error("gitlab token cannot be empty");
    auto [host, project] = parseGitAddress(s.address);
    base_ = host + "/api/v4/";
    project_ = percentEscapeAll(project);
  }

  void post(const Event& event, Transport& transport) override {
    const auto status = statusOf(event, "failed");
    if (!status) return;
    const auto& [sha, state, description, id] = *status;

    OutboundRequest list;
    list.method = "GET";
    list.url = base_ + "projects/" + project_ + "/repository/commits/" + sha +
               "/statuses?name=" + percentEscapeAll(id);
    list.headers.emplace_back("PRIVATE-TOKEN", token_);
    for (const auto& st : existingStatuses(transport, list)) {
      if (st["sha"] == Value(sha) && st["status"] == Value(state) &&
          st["description"] == Value(description) && st["name"] == Value(id))
        return;
    }
    OutboundRequest create;
    create.url = base_ + "projects/" + project_ + "/statuses/" + sha;
    create.headers.emplace_back("PRIVATE-TOKEN", token_);
    create.headers.emplace_back("Content-Type", "application/json");
    create.body =
        core::toJson(Value(Object{{"state", state}, {"name", id}, {"description", description}}));
    OutboundResponse r = transport.send(create);
    if (r.status < 200 || r.status >= 300)
      throw core::Error("unable to set commit status: POST " + create.url + ": " +
                        std::to_string(r.status));
  }

 private:
  std::string token_;
  std::string base_;
  std::string project_;
};

}  // namespace

std::string OutboundRequest::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (core::asciiLower(k) == core::asciiLower(name)) return v;
  }
  return {};
}

std::optional<std::string> secretValue(const SecretData& data, std::string_view key) {
  for (const auto& [k, v] : data) {
    if (k == key) return v;
  }
  return std::nullopt;
}

bool isCommitStatusProvider(std::string_view type) noexcept {
  return type == "github" || type == "gitlab" || type == "gitea" || type == "bitbucket" ||
         type == "bitbucketserver" || type == "azuredevops";
}

const std::vector<std::string>& supportedProviderTypes() {
  static const std::vector<std::string> kTypes = {
      "generic",    "generic-hmac", "slack",   "discord",      "rocket", "msteams",
      "googlechat", "telegram",     "grafana", "alertmanager", "github", "gitlab"};
  return kTypes;
}

std::unique_ptr<Notifier> makeNotifier(const ProviderSettings& s) {
  const std::string& t = s.type;
  if (t == "generic") return std::make_unique<Forwarder>(s, false);
  if (t == "generic-hmac") return std::make_unique<Forwarder>(s, true);
  if (t == "slack") return std::make_unique<Slack>(s, SlackFlavor::Slack);
  if (t == "discord") return std::make_unique<Slack>(s, SlackFlavor::Discord);
  if (t == "rocket") return std::make_unique<Slack>(s, SlackFlavor::Rocket);
  if (t == "msteams") return std::make_unique<MsTeams>(s);
  if (t == "googlechat") return std::make_unique<GoogleChat>(s);
  if (t == "telegram") return std::make_unique<Telegram>(s);
  if (t == "grafana") return std::make_unique<Grafana>(s);
  if (t == "alertmanager") return std::make_unique<Alertmanager>(s);
  if (t == "github") return std::make_unique<GitHub>(s);
  if (t == "gitlab") return std::make_unique<GitLab>(s);
  throw core::Error("provider " + t + " not supported");
}

ProviderSettings providerSettings(const core::Value& provider,
                                  const std::vector<std::pair<std::string, std::string>>& secret) {
  ProviderSettings s;
  const Value& spec = provider["spec"];
  auto str = [](const Value& v) { return v.isString() ? v.asString() : std::string(); };
  s.type = str(spec["type"]);
  s.address = str(spec["address"]);
  s.channel = str(spec["channel"]);
  s.username = str(spec["username"]);
  s.commitStatusExpr = str(spec["commitStatusExpr"]);
  s.providerUid = str(provider["metadata"]["uid"]);
  s.provider = provider;
  std::string user;
  std::string password;
  for (const auto& [k, v] : secret) {
    if (k == "address") {
      std::string a = v;
      a.erase(0, a.find_first_not_of(" \t\r\n"));
      a.erase(a.find_last_not_of(" \t\r\n") + 1);
      if (a.size() > 2048) throw core::Error("invalid address in secret: longer than 2048 bytes");
      s.address = a;
    } else if (k == "token") {
      s.token = v;
    } else if (k == "username") {
      user = v;
    } else if (k == "password") {
      password = v;
    } else if (k == "headers") {
      Value headers;
      try {
        headers = core::parseYaml(v);
      } catch (const std::exception& e) {
        throw core::Error("failed to read headers from secret: " + std::string(e.what()));
      }
      if (headers.isObject()) {
        for (const auto& m : headers.asObject())
          s.headers.emplace_back(m.key,
                                 m.value.isString() ? m.value.asString() : core::toJson(m.value));
      } else if (!headers.isNull()) {
        throw core::Error("failed to read headers from secret: not a map");
      }
    }
  }
  // Both or neither: one of them alone applies no basic authentication at all.
  if (!user.empty() && !password.empty()) {
    s.user = user;
    s.password = password;
  } else if (s.type == "gitlab") {
    s.password = password;
  }
  return s;
}

std::string defaultCommitStatusId(const Event& event, std::string_view providerUid) {
  const std::string uid(providerUid.substr(0, providerUid.find('-')));
  return core::asciiLower(event.involvedObject.kind + "/" + event.involvedObject.name + "/" + uid);
}

std::string describeReason(std::string_view reason) {
  // fatih/camelcase: runs of one character class; an upper-case run followed by lower case
  // gives its last letter to the next word ("PDFLoader" -> "PDF", "Loader").
  auto classOf = [](char c) {
    if (std::islower(static_cast<unsigned char>(c))) return 1;
    if (std::isupper(static_cast<unsigned char>(c))) return 2;
    if (std::isdigit(static_cast<unsigned char>(c))) return 3;
    return 4;
  };
  std::vector<std::string> runs;
  int last = 0;
  for (char c : reason) {
    const int k = classOf(c);
    if (runs.empty() || k != last) {
      runs.emplace_back(1, c);
    } else {
      runs.back().push_back(c);
    }
    last = k;
  }
  for (std::size_t i = 0; i + 1 < runs.size(); ++i) {
    if (classOf(runs[i][0]) == 2 && classOf(runs[i + 1][0]) == 1) {
      runs[i + 1].insert(runs[i + 1].begin(), runs[i].back());
      runs[i].pop_back();
    }
  }
  std::string out;
  for (const auto& r : runs) {
    if (r.empty()) continue;
    out += (out.empty() ? "" : " ") + r;
  }
  return core::asciiLower(out);
}

std::string titleCase(std::string_view s) {
  std::string out;
  bool startOfWord = true;
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '\'' || c == '_') {
      out.push_back(static_cast<char>(startOfWord ? std::toupper(u) : std::tolower(u)));
      startOfWord = false;
    } else {
      out.push_back(c);
      startOfWord = true;
    }
  }
  return out;
}

}  // namespace driftless::notify
