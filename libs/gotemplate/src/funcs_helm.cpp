// Helm's engine functions (pkg/engine/engine.go and funcs.go): include, tpl, required, fail,
// lookup without a cluster and getHostByName without DNS. toYaml and friends are in
// funcs_encoding.cpp, the duration helpers in funcs_time.cpp.

#include <string>
#include <vector>

#include "funcs_util.h"
#include "internal.h"

namespace driftless::gotemplate {
namespace {

using fn::Args;
using fn::str;

}  // namespace

std::vector<FuncDef> helmFuncs() {
  return {
      {"include", "SA", 0,
       [](Args a, Runtime& rt) { return fn::string(rt.include(str(a[0]), a[1])); }},
      {"tpl", "SA", 0, [](Args a, Runtime& rt) { return fn::string(rt.tpl(str(a[0]), a[1])); }},
      {"required", "SA", 0,
       [](Args a, Runtime&) {
         if (a[1].isNil() || (a[1].kind == Kind::String && a[1].v().asString().empty())) {
           callFail(str(a[0]));
         }
         TValue v = a[1];
         v.iface = true;
         return v;
       }},
      {"fail", "S", 0, [](Args a, Runtime&) -> TValue { callFail(str(a[0])); }},
      {"lookup", "SSSS", 0, [](Args, Runtime&) { return fromCore(core::Value::object()); }},
      {"getHostByName", "S", 0, [](Args, Runtime&) { return fn::string(""); }},
  };
}

}  // namespace driftless::gotemplate
