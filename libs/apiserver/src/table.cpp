#include "table.h"

#include <cstdio>
#include <ctime>

#include "driftless/core/json.h"
#include "driftless/core/text.h"

namespace driftless::apiserver {

namespace {

std::string fmt(const char* f, long a, long b = -1) {
  char buf[64];
  if (b < 0) {
    std::snprintf(buf, sizeof buf, f, a);
  } else {
    std::snprintf(buf, sizeof buf, f, a, b);
  }
  return buf;
}

// Splits a JSONPath into steps: field names, [n], [*], and [?(@.f=="v")] filters.
struct Step {
  enum class Kind { Field, Index, All, Filter } kind = Kind::Field;
  std::string field;
  std::size_t index = 0;
  std::string filterField;  // dotted path below @
  core::Value filterValue;
  bool filterNotEqual = false;
};

Step fieldStep(std::string name) {
  Step s;
  s.field = std::move(name);
  return s;
}

std::vector<Step> parsePath(const std::string& text) {
  std::vector<Step> steps;
  std::string p = text;
  if (!p.empty() && p.front() == '{' && p.back() == '}') p = p.substr(1, p.size() - 2);
  std::size_t i = 0;
  while (i < p.size()) {
    if (p[i] == '.') {
      ++i;
      std::size_t end = p.find_first_of(".[", i);
      if (end == std::string::npos) end = p.size();
      if (end > i) steps.push_back(fieldStep(p.substr(i, end - i)));
      i = end;
    } else if (p[i] == '[') {
      std::size_t close = p.find(']', i);
      if (p.compare(i, 3, "[?(") == 0) close = p.find(")]", i) + 1;
      if (close == std::string::npos || close == 0) break;
      std::string inner = p.substr(i + 1, close - i - 1);
      i = close + 1;
      Step s;
      if (inner == "*") {
        s.kind = Step::Kind::All;
      } else if (inner.rfind("?(@.", 0) == 0 && inner.back() == ')') {
        std::string expr = inner.substr(4, inner.size() - 5);
        std::size_t op = expr.find("==");
        s.filterNotEqual = false;
        if (op == std::string::npos) {
          op = expr.find("!=");
          s.filterNotEqual = true;
        }
        if (op == std::string::npos) continue;
        s.kind = Step::Kind::Filter;
        s.filterField = expr.substr(0, op);
        std::string value = expr.substr(op + 2);
        if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'')) {
          s.filterValue = value.substr(1, value.size() - 2);
        } else {
          try {
            s.filterValue = core::parseJson(value);
          } catch (const std::exception&) {
            s.filterValue = value;
          }
        }
      } else if (inner.size() >= 2 && (inner.front() == '\'' || inner.front() == '"')) {
        s.kind = Step::Kind::Field;
        s.field = inner.substr(1, inner.size() - 2);
      } else {
        s.kind = Step::Kind::Index;
        s.index = static_cast<std::size_t>(std::strtoul(inner.c_str(), nullptr, 10));
      }
      steps.push_back(std::move(s));
    } else {
      std::size_t end = p.find_first_of(".[", i);
      if (end == std::string::npos) end = p.size();
      steps.push_back(fieldStep(p.substr(i, end - i)));
      i = end;
    }
  }
  return steps;
}

const core::Value* dotted(const core::Value& v, const std::string& path) {
  const core::Value* cur = &v;
  std::size_t i = 0;
  while (i <= path.size()) {
    std::size_t dot = path.find('.', i);
    if (dot == std::string::npos) dot = path.size();
    cur = cur->find(std::string_view(path).substr(i, dot - i));
    if (cur == nullptr) return nullptr;
    i = dot + 1;
  }
  return cur;
}

std::string cellText(const core::Value& v) {
  if (v.isString()) return v.asString();
  if (v.isNull()) return "<none>";
  return core::toJson(v);
}

using BuiltinCell = core::Value (*)(const core::Value&);

struct BuiltinColumn {
  const char* name;
  const char* type;
  const char* description;
  std::int64_t priority;
  BuiltinCell cell;
};

std::int64_t intAt(const core::Value& v) {
  return v.isInt() ? v.asInt() : 0;
}

std::string stringAt(const core::Value& v, const char* fallback = "<none>") {
  return v.isString() && !v.asString().empty() ? v.asString() : fallback;
}

// How long ago an RFC 3339 timestamp was, as kubectl prints ages; "<unknown>" without one.
std::string since(const core::Value& timestamp) {
  if (!timestamp.isString()) return "<unknown>";
  auto t = core::parseRfc3339(timestamp.asString());
  if (!t) return "<unknown>";
  return humanDuration(
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now() - *t));
}

// The columns kube-apiserver's table convertors print for the common built-in kinds
// (pkg/printers/internalversion/printers.go), between Name and Age.
std::vector<BuiltinColumn> builtinColumns(const ResourceInfo& r) {
  const std::string key = r.group + "/" + r.plural;
  if (key == "/namespaces") {
    return {
        {"Status", "string", "The status of the namespace", 0,
         [](const core::Value& o) -> core::Value { return stringAt(o["status"]["phase"], ""); }}};
  }
  if (key == "/configmaps") {
    return {{"Data", "integer", "Number of data in configmap", 0,
             [](const core::Value& o) -> core::Value {
               return static_cast<std::int64_t>(o["data"].size() + o["binaryData"].size());
             }}};
  }
  if (key == "/secrets") {
    return {{"Type", "string", "The type of the secret", 0,
             [](const core::Value& o) -> core::Value { return stringAt(o["type"], ""); }},
            {"Data", "integer", "The number of data in the secret", 0,
             [](const core::Value& o) -> core::Value {
               return static_cast<std::int64_t>(o["data"].size());
             }}};
  }
  if (key == "/serviceaccounts") {
    return {{"Secrets", "string", "Secrets is a list of secrets", 0,
             [](const core::Value& o) -> core::Value {
               return static_cast<std::int64_t>(o["secrets"].size());
             }}};
  }
  if (key == "apps/deployments" || key == "apps/statefulsets" || key == "apps/replicasets") {
    return {
        {"Ready", "string", "Number of the pod with ready state", 0,
         [](const core::Value& o) -> core::Value {
           std::int64_t want = o["spec"]["replicas"].isInt() ? o["spec"]["replicas"].asInt() : 1;
           return std::to_string(intAt(o["status"]["readyReplicas"])) + "/" + std::to_string(want);
         }},
        {"Up-to-date", "integer",
         "Total number of non-terminated pods targeted by this deployment that have the desired "
         "template spec.",
         0,
         [](const core::Value& o) -> core::Value { return intAt(o["status"]["updatedReplicas"]); }},
        {"Available", "integer",
         "Total number of available pods (ready for at least minReadySeconds) targeted by this "
         "deployment.",
         0, [](const core::Value& o) -> core::Value {
           return intAt(o["status"]["availableReplicas"]);
         }}};
  }
  if (key == "/services") {
    return {{"Type", "string", "The type of the service.", 0,
             [](const core::Value& o) -> core::Value {
               return stringAt(o["spec"]["type"], "ClusterIP");
             }},
            {"Cluster-IP", "string", "The cluster IP of the service.", 0,
             [](const core::Value& o) -> core::Value { return stringAt(o["spec"]["clusterIP"]); }},
            {"External-IP", "string", "The external IP of the service.", 0,
             [](const core::Value&) -> core::Value { return "<none>"; }},
            {"Port(s)", "string", "The ports of the service.", 0,
             [](const core::Value& o) -> core::Value {
               std::string out;
               for (const auto& p :
                    o["spec"]["ports"].isArray() ? o["spec"]["ports"].asArray() : core::Array{}) {
                 if (!out.empty()) out += ",";
                 out += std::to_string(intAt(p["port"])) + "/" + stringAt(p["protocol"], "TCP");
               }
               return out.empty() ? "<none>" : out;
             }}};
  }
  if (key == "batch/jobs") {
    return {{"Status", "string", "Status of the job.", 0,
             [](const core::Value& o) -> core::Value {
               for (const auto& c : o["status"]["conditions"].isArray()
                                        ? o["status"]["conditions"].asArray()
                                        : core::Array{}) {
                 if (c["status"] == core::Value("True") && c["type"].isString())
                   return c["type"].asString();
               }
               return "Running";
             }},
            {"Completions", "string",
             "The desired number of successfully finished pods the job should be run with.", 0,
             [](const core::Value& o) -> core::Value {
               std::int64_t want =
                   o["spec"]["completions"].isInt() ? o["spec"]["completions"].asInt() : 1;
               return std::to_string(intAt(o["status"]["succeeded"])) + "/" + std::to_string(want);
             }}};
  }
  if (key == "/events") {
    // printers.go's eventColumnDefinitions; the Name column comes last (priority 1) and there is
    // no Age column (see hasOwnNameAndAge).
    auto lastSeen = [](const core::Value& o) -> core::Value {
      const core::Value& last = o["lastTimestamp"];
      return since(last.isString() && !last.asString().empty() ? last : o["eventTime"]);
    };
    return {
        {"Last Seen", "string",
         "The time at which the most recent occurrence of this event was "
         "recorded.",
         0, lastSeen},
        {"Type", "string",
         "Type of this event (Normal, Warning), new types could be added in the "
         "future.",
         0, [](const core::Value& o) -> core::Value { return stringAt(o["type"], ""); }},
        {"Reason", "string",
         "This should be a short, machine understandable string that gives the "
         "reason for this event being generated.",
         0, [](const core::Value& o) -> core::Value { return stringAt(o["reason"], ""); }},
        {"Object", "string", "The object that this event is about.", 0,
         [](const core::Value& o) -> core::Value {
           return core::asciiLower(stringAt(o["involvedObject"]["kind"], "")) + "/" +
                  stringAt(o["involvedObject"]["name"], "");
         }},
        {"Subobject", "string", "The field of the object this event is about.", 1,
         [](const core::Value& o) -> core::Value {
           return stringAt(o["involvedObject"]["fieldPath"], "");
         }},
        {"Source", "string", "The component reporting this event.", 1,
         [](const core::Value& o) -> core::Value {
           std::string source = stringAt(o["source"]["component"], "");
           if (o["source"]["host"].isString() && !o["source"]["host"].asString().empty()) {
             source += ", " + o["source"]["host"].asString();
           }
           return source;
         }},
        {"Message", "string", "A human-readable description of the status of this operation.", 0,
         [](const core::Value& o) -> core::Value { return stringAt(o["message"], ""); }},
        {"First Seen", "string", "The time at which the event was first recorded.", 1,
         [](const core::Value& o) -> core::Value { return since(o["firstTimestamp"]); }},
        {"Count", "string", "The number of times this event has occurred.", 1,
         [](const core::Value& o) -> core::Value {
           return std::to_string(o["count"].isInt() ? o["count"].asInt() : 1);
         }},
        {"Name", "string", "Name must be unique within a namespace.", 1,
         [](const core::Value& o) -> core::Value { return stringAt(o["metadata"]["name"], ""); }},
    };
  }
  if (key == "coordination.k8s.io/leases") {
    return {
        {"Holder", "string", "The holder of the lease", 0, [](const core::Value& o) -> core::Value {
           return stringAt(o["spec"]["holderIdentity"], "");
         }}};
  }
  return {};
}

}  // namespace

std::string humanDuration(std::chrono::seconds d) {
  long seconds = static_cast<long>(d.count());
  if (seconds < -1) return "<invalid>";
  if (seconds < 0) return "0s";
  if (seconds < 60 * 2) return fmt("%lds", seconds);
  long minutes = seconds / 60;
  if (minutes < 10) {
    long s = seconds % 60;
    return s == 0 ? fmt("%ldm", minutes) : fmt("%ldm%lds", minutes, s);
  }
  if (minutes < 60 * 3) return fmt("%ldm", minutes);
  long hours = seconds / 3600;
  if (hours < 8) {
    long m = minutes % 60;
    return m == 0 ? fmt("%ldh", hours) : fmt("%ldh%ldm", hours, m);
  }
  if (hours < 48) return fmt("%ldh", hours);
  if (hours < 24 * 8) {
    long h = hours % 24;
    return h == 0 ? fmt("%ldd", hours / 24) : fmt("%ldd%ldh", hours / 24, h);
  }
  if (hours < 24 * 365 * 2) return fmt("%ldd", hours / 24);
  if (hours < 24 * 365 * 8) {
    long dy = (hours / 24) % 365;
    return dy == 0 ? fmt("%ldy", hours / 24 / 365) : fmt("%ldy%ldd", hours / 24 / 365, dy);
  }
  return fmt("%ldy", hours / 24 / 365);
}

std::vector<const core::Value*> evalJsonPath(const core::Value& root, const std::string& path) {
  std::vector<const core::Value*> current{&root};
  for (const Step& step : parsePath(path)) {
    std::vector<const core::Value*> next;
    for (const core::Value* v : current) {
      switch (step.kind) {
        case Step::Kind::Field:
          if (const core::Value* f = v->find(step.field)) next.push_back(f);
          break;
        case Step::Kind::Index:
          if (v->isArray() && step.index < v->size()) next.push_back(&v->asArray()[step.index]);
          break;
        case Step::Kind::All:
          if (v->isArray()) {
            for (const auto& e : v->asArray())
              next.push_back(&e);
          } else if (v->isObject()) {
            for (const auto& m : v->asObject())
              next.push_back(&m.value);
          }
          break;
        case Step::Kind::Filter:
          if (!v->isArray()) break;
          for (const auto& e : v->asArray()) {
            const core::Value* f = dotted(e, step.filterField);
            bool eq = f != nullptr && *f == step.filterValue;
            if (eq != step.filterNotEqual) next.push_back(&e);
          }
          break;
      }
    }
    current = std::move(next);
  }
  return current;
}

core::Value makeTable(const ResourceInfo& resource, const std::vector<const core::Value*>& objects,
                      const std::string& includeObject, bool withHeaders,
                      const std::string& resourceVersion) {
  struct Column {
    std::string name, type, format, description, jsonPath;
    std::int64_t priority = 0;
    BuiltinCell cell = nullptr;  // computed cells of built-in kinds
  };
  std::vector<Column> columns;
  // Events list their name last and have no Age (kube-apiserver's event table).
  const bool event = resource.group.empty() && resource.plural == "events";
  columns.push_back({"Name", "string", "name", "Name must be unique within a namespace.", "", 0,
                     [](const core::Value& o) -> core::Value { return o["metadata"]["name"]; }});
  if (event) columns.clear();
  bool custom = resource.printerColumns.isArray() && !resource.printerColumns.asArray().empty();
  if (custom) {
    for (const auto& c : resource.printerColumns.asArray()) {
      Column col;
      col.name = c["name"].isString() ? c["name"].asString() : "";
      col.type = c["type"].isString() ? c["type"].asString() : "string";
      col.format = c["format"].isString() ? c["format"].asString() : "";
      col.description = c["description"].isString() ? c["description"].asString() : "";
      col.jsonPath = c["jsonPath"].isString() ? c["jsonPath"].asString() : "";
      col.priority = c["priority"].isInt() ? c["priority"].asInt() : 0;
      columns.push_back(std::move(col));
    }
  } else {
    for (const auto& b : builtinColumns(resource)) {
      columns.push_back({b.name, b.type, std::string(b.name) == "Name" ? "name" : "", b.description,
                         "", b.priority, b.cell});
    }
    if (!event) {
      columns.push_back({"Age", "date", "",
                         "CreationTimestamp is a timestamp representing the server time when this "
                         "object was created.",
                         ".metadata.creationTimestamp", 0});
    }
  }
  core::Object table;
  table.append("kind", "Table");
  table.append("apiVersion", "meta.k8s.io/v1");
  core::Object meta;
  if (!resourceVersion.empty()) meta.append("resourceVersion", resourceVersion);
  table.append("metadata", core::Value(std::move(meta)));
  if (withHeaders) {
    core::Array defs;
    for (const auto& c : columns) {
      defs.push_back(core::Object{{"name", c.name},
                                  {"type", c.type == "date" ? "string" : c.type},
                                  {"format", c.format},
                                  {"description", c.description},
                                  {"priority", c.priority}});
    }
    table.append("columnDefinitions", core::Value(std::move(defs)));
  }
  const auto now = std::chrono::system_clock::now();
  core::Array rows;
  for (const core::Value* obj : objects) {
    core::Array cells;
    for (std::size_t i = 0; i < columns.size(); ++i) {
      if (columns[i].cell != nullptr) {
        cells.push_back(columns[i].cell(*obj));
        continue;
      }
      auto found = evalJsonPath(*obj, columns[i].jsonPath);
      if (found.empty()) {
        cells.push_back(core::Value());
        continue;
      }
      const core::Value& v = *found.front();
      if (columns[i].type == "date" && v.isString()) {
        auto t = core::parseRfc3339(v.asString());
        cells.push_back(t ? core::Value(humanDuration(
                                std::chrono::duration_cast<std::chrono::seconds>(now - *t)))
                          : core::Value("<invalid>"));
      } else if (columns[i].type == "string") {
        std::string text;
        for (std::size_t k = 0; k < found.size(); ++k) {
          if (k > 0) text += ",";
          text += cellText(*found[k]);
        }
        cells.push_back(text);
      } else {
        cells.push_back(v);
      }
    }
    core::Object row;
    row.append("cells", core::Value(std::move(cells)));
    if (includeObject == "Object") {
      row.append("object", *obj);
    } else if (includeObject != "None") {
      row.append("object", core::Object{{"kind", "PartialObjectMetadata"},
                                        {"apiVersion", "meta.k8s.io/v1"},
                                        {"metadata", (*obj)["metadata"]}});
    }
    rows.push_back(core::Value(std::move(row)));
  }
  table.append("rows", core::Value(std::move(rows)));
  return core::Value(std::move(table));
}

}  // namespace driftless::apiserver
