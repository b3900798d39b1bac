#pragma once

// What every write goes through after decoding and before storage: custom resources are pruned,
// defaulted and validated by their CRD's structural schema (honouring fieldValidation), and
// metadata.managedFields is updated for the field manager (server-side apply semantics).

#include <string>
#include <vector>

#include "driftless/apiserver/registry.h"
#include "driftless/core/value.h"
#include "driftless/net/http_server.h"

namespace driftless::apiserver {

struct RequestInfo;

// Prunes unknown fields, applies defaults and validates a custom resource; throws ApiError
// (400 for unknown fields with fieldValidation=Strict, 422 Invalid for schema violations) and
// appends warnings for fieldValidation=Warn. Built-in resources pass unchanged.
void admitObject(const net::HttpRequest& req, const ResourceInfo& resource,
                 const std::string& subresource, core::Value& obj,
                 std::vector<std::string>& warnings);

// The field manager of a non-apply write: fieldManager, else the User-Agent up to '/'.
std::string fieldManagerOf(const net::HttpRequest& req);

// Sets obj's metadata.managedFields for an Update by `manager` (old is null on create).
void recordUpdate(const ResourceInfo& resource, const std::string& subresource,
                  const core::Value& old, core::Value& obj, const std::string& manager);

// Server-side apply of `config` onto `live` (null when absent); throws ApiError 409 on
// conflicts (unless force) and 400/422 on bad apply requests.
core::Value serverSideApply(const net::HttpRequest& req, const ResourceInfo& resource,
                            const std::string& subresource, const core::Value& live,
                            const core::Value& config);

// Warning response headers: `299 - "<text>"`.
std::vector<std::pair<std::string, std::string>> warningHeaders(
    const std::vector<std::string>& warnings);

}  // namespace driftless::apiserver
