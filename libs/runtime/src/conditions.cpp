#include "driftless/runtime/conditions.h"

#include <algorithm>

namespace driftless::runtime::conditions {

namespace {

// Ready first, then by type (fluxcd/pkg/runtime/conditions lexicographicLess).
bool lexicographicLess(const Condition& a, const Condition& b) {
  return (a.type == kReady || a.type < b.type) && b.type != kReady;
}

void mark(Conditions& list, std::string_view type, std::string_view status, std::string_view reason,
          std::string_view message, const Context& ctx) {
  Condition c;
  c.type = std::string(type);
  c.status = std::string(status);
  c.reason = std::string(reason);
  c.message = std::string(message);
  set(list, std::move(c), ctx);
}

}  // namespace

const Condition* get(const Conditions& list, std::string_view type) {
  for (const auto& c : list) {
    if (c.type == type) return &c;
  }
  return nullptr;
}

bool has(const Conditions& list, std::string_view type) {
  return get(list, type) != nullptr;
}

bool isTrue(const Conditions& list, std::string_view type) {
  const Condition* c = get(list, type);
  return c != nullptr && c->status == "True";
}

bool isFalse(const Conditions& list, std::string_view type) {
  const Condition* c = get(list, type);
  return c != nullptr && c->status == "False";
}

bool isUnknown(const Conditions& list, std::string_view type) {
  const Condition* c = get(list, type);
  return c == nullptr || c->status == "Unknown";
}

std::string reason(const Conditions& list, std::string_view type) {
  const Condition* c = get(list, type);
  return c == nullptr ? "" : c->reason;
}

std::string message(const Conditions& list, std::string_view type) {
  const Condition* c = get(list, type);
  return c == nullptr ? "" : c->message;
}

void set(Conditions& list, Condition condition, const Context& ctx) {
  condition.observedGeneration = ctx.generation;
  auto it = std::find_if(list.begin(), list.end(),
                         [&](const Condition& c) { return c.type == condition.type; });
  if (it != list.end()) {
    condition.lastTransitionTime =
        it->status == condition.status ? it->lastTransitionTime : ctx.now;
    *it = std::move(condition);
  } else {
    condition.lastTransitionTime = ctx.now;
    list.push_back(std::move(condition));
  }
  std::stable_sort(list.begin(), list.end(), lexicographicLess);
}

void markTrue(Conditions& list, std::string_view type, std::string_view reason,
              std::string_view message, const Context& ctx) {
  mark(list, type, "True", reason, message, ctx);
}

void markFalse(Conditions& list, std::string_view type, std::string_view reason,
               std::string_view message, const Context& ctx) {
  mark(list, type, "False", reason, message, ctx);
}

void markUnknown(Conditions& list, std::string_view type, std::string_view reason,
                 std::string_view message, const Context& ctx) {
  mark(list, type, "Unknown", reason, message, ctx);
}

void markReconciling(Conditions& list, std::string_view reason, std::string_view message,
                     const Context& ctx) {
  markTrue(list, kReconciling, reason, message, ctx);
}

void markStalled(Conditions& list, std::string_view reason, std::string_view message,
                 const Context& ctx) {
  markTrue(list, kStalled, reason, message, ctx);
}

void remove(Conditions& list, std::string_view type) {
  list.erase(
      std::remove_if(list.begin(), list.end(), [&](const Condition& c) { return c.type == type; }),
      list.end());
}

}  // namespace driftless::runtime::conditions
