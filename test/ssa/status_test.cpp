// ssa::computeStatus: the kstatus rules, kind by kind.

#include <catch2/catch_test_macros.hpp>

#include <string>
#include <vector>

#include "driftless/core/json.h"
#include "driftless/ssa/status.h"

namespace driftless::ssa {
namespace {

struct StatusCase {
  const char* name;
  const char* json;
  Status status;
  std::string message;
};

void runCases(const std::vector<StatusCase>& cases) {
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.name) {
      StatusResult r = computeStatus(core::parseJson(c.json));
      CHECK(statusName(r.status) == std::string(statusName(c.status)));
      CHECK(r.message == c.message);
    }
  }
}

TEST_CASE("computeStatus: generic rules", "[ssa][status]") {
  runCases({
      {"terminating",
       R"({"apiVersion":"v1","kind":"ConfigMap","metadata":{"deletionTimestamp":"2024-01-01T00:00:00Z"}})",
       Status::Terminating, "Resource scheduled for deletion"},
      {"observedGeneration lag",
       R"({"apiVersion":"example.com/v1","kind":"Widget","metadata":{"generation":3},
           "status":{"observedGeneration":2,"conditions":[{"type":"Ready","status":"True"}]}})",
       Status::InProgress, "Widget generation is 3, but latest observed generation is 2"},
      {"Reconciling=True",
       R"({"apiVersion":"example.com/v1","kind":"Widget","status":{"conditions":[
           {"type":"Reconciling","status":"True","reason":"Progressing","message":"working"}]}})",
       Status::InProgress, "working"},
      {"Stalled=True",
       R"({"apiVersion":"example.com/v1","kind":"Widget","status":{"conditions":[
           {"type":"Stalled","status":"True","reason":"Bad","message":"bad spec"}]}})",
       Status::Failed, "bad spec"},
      {"Ready=True with observed generation",
       R"({"apiVersion":"kustomize.toolkit.fluxcd.io/v1","kind":"Kustomization",
           "metadata":{"generation":2},"status":{"observedGeneration":2,
           "conditions":[{"type":"Ready","status":"True","reason":"ReconciliationSucceeded"}]}})",
       Status::Current, "Resource is Ready"},
      {"Ready=False",
       R"({"apiVersion":"example.com/v1","kind":"Widget","status":{"conditions":[
           {"type":"Ready","status":"False","reason":"Failing","message":"not yet"}]}})",
       Status::InProgress, "not yet"},
      {"Ready=Unknown",
       R"({"apiVersion":"example.com/v1","kind":"Widget","status":{"conditions":[
           {"type":"Ready","status":"Unknown","reason":"Progressing","message":"soon"}]}})",
       Status::InProgress, "soon"},
      {"no conditions", R"({"apiVersion":"example.com/v1","kind":"Widget"})", Status::Current,
       "Resource is current"},
      {"ConfigMap", R"({"apiVersion":"v1","kind":"ConfigMap"})", Status::Current,
       "Resource is always ready"},
  });
}

TEST_CASE("computeStatus: Deployment", "[ssa][status]") {
  runCases({
      {"rolled out",
       R"({"apiVersion":"apps/v1","kind":"Deployment","metadata":{"generation":1},
           "spec":{"replicas":2},"status":{"observedGeneration":1,"replicas":2,
           "updatedReplicas":2,"readyReplicas":2,"availableReplicas":2,"conditions":[
           {"type":"Available","status":"True"},
           {"type":"Progressing","status":"True","reason":"NewReplicaSetAvailable"}]}})",
       Status::Current, "Deployment is available. Replicas: 2"},
      {"no status yet", R"({"apiVersion":"apps/v1","kind":"Deployment","spec":{"replicas":2}})",
       Status::InProgress, "Replicas: 0/2"},
      {"updating",
       R"({"apiVersion":"apps/v1","kind":"Deployment","spec":{"replicas":2},
           "status":{"replicas":2,"updatedReplicas":1}})",
       Status::InProgress, "Updated: 1/2"},
      {"old pods terminating",
       R"({"apiVersion":"apps/v1","kind":"Deployment","spec":{"replicas":1},
           "status":{"replicas":2,"updatedReplicas":1}})",
       Status::InProgress, "Pending termination: 1"},
      {"not available",
       R"({"apiVersion":"apps/v1","kind":"Deployment","spec":{"replicas":1},
           "status":{"replicas":1,"updatedReplicas":1,"availableReplicas":0}})",
       Status::InProgress, "Available: 0/1"},
      {"progress deadline exceeded",
       R"({"apiVersion":"apps/v1","kind":"Deployment","status":{"conditions":[
           {"type":"Progressing","status":"False","reason":"ProgressDeadlineExceeded"}]}})",
       Status::Failed, "Progress deadline exceeded"},
      {"Progressing not yet NewReplicaSetAvailable",
       R"({"apiVersion":"apps/v1","kind":"Deployment","spec":{"progressDeadlineSeconds":600},
           "status":{"replicas":1,"updatedReplicas":1,"readyReplicas":1,"availableReplicas":1,
           "conditions":[{"type":"Available","status":"True"}]}})",
       Status::InProgress, "ReplicaSet not Available"},
  });
}

TEST_CASE("computeStatus: StatefulSet, DaemonSet, ReplicaSet", "[ssa][status]") {
  runCases({
      {"StatefulSet ready",
       R"({"apiVersion":"apps/v1","kind":"StatefulSet","spec":{"replicas":1},"status":{
           "replicas":1,"readyReplicas":1,"currentReplicas":1,"updatedReplicas":1,
           "currentRevision":"r1","updateRevision":"r1"}})",
       Status::Current, "All replicas scheduled as expected. Replicas: 1"},
      {"StatefulSet revision mismatch",
       R"({"apiVersion":"apps/v1","kind":"StatefulSet","spec":{"replicas":1},"status":{
           "replicas":1,"readyReplicas":1,"currentReplicas":1,"currentRevision":"r1",
           "updateRevision":"r2"}})",
       Status::InProgress, "Waiting for updated revision to match current"},
      {"StatefulSet OnDelete",
       R"({"apiVersion":"apps/v1","kind":"StatefulSet","spec":{"updateStrategy":{"type":"OnDelete"}}})",
       Status::Current, "StatefulSet is using the ondelete update strategy"},
      {"StatefulSet partition",
       R"({"apiVersion":"apps/v1","kind":"StatefulSet","spec":{"replicas":3,
           "updateStrategy":{"rollingUpdate":{"partition":1}}},"status":{"replicas":3,
           "readyReplicas":3,"updatedReplicas":1}})",
       Status::InProgress, "updated: 1/2"},
      {"DaemonSet without observedGeneration",
       R"({"apiVersion":"apps/v1","kind":"DaemonSet","metadata":{"generation":1}})",
       Status::InProgress, "DaemonSet status.observedGeneration not found"},
      {"DaemonSet ready",
       R"({"apiVersion":"apps/v1","kind":"DaemonSet","metadata":{"generation":1},"status":{
           "observedGeneration":1,"desiredNumberScheduled":2,"currentNumberScheduled":2,
           "updatedNumberScheduled":2,"numberAvailable":2,"numberReady":2}})",
       Status::Current, "All replicas scheduled as expected. Replicas: 2"},
      {"DaemonSet not ready",
       R"({"apiVersion":"apps/v1","kind":"DaemonSet","metadata":{"generation":1},"status":{
           "observedGeneration":1,"desiredNumberScheduled":2,"currentNumberScheduled":2,
           "updatedNumberScheduled":2,"numberAvailable":2,"numberReady":1}})",
       Status::InProgress, "Ready: 1/2"},
      {"ReplicaSet failure",
       R"({"apiVersion":"apps/v1","kind":"ReplicaSet","status":{"conditions":[
           {"type":"ReplicaFailure","status":"True"}]}})",
       Status::InProgress, "Replica Failure condition. Check Pods"},
      {"ReplicaSet ready",
       R"({"apiVersion":"apps/v1","kind":"ReplicaSet","spec":{"replicas":1},"status":{
           "replicas":1,"readyReplicas":1,"availableReplicas":1,"fullyLabeledReplicas":1}})",
       Status::Current, "ReplicaSet is available. Replicas: 1"},
  });
}

TEST_CASE("computeStatus: Job, Pod, PVC, Service, CRD", "[ssa][status]") {
  runCases({
      {"Job complete",
       R"({"apiVersion":"batch/v1","kind":"Job","status":{"succeeded":1,"conditions":[
           {"type":"Complete","status":"True"}]}})",
       Status::Current, "Job Completed. succeeded: 1/1"},
      {"Job failed",
       R"({"apiVersion":"batch/v1","kind":"Job","spec":{"completions":2},"status":{"failed":3,
           "conditions":[{"type":"Failed","status":"True"}]}})",
       Status::Failed, "Job Failed. failed: 3/2"},
      {"Job not started", R"({"apiVersion":"batch/v1","kind":"Job"})", Status::InProgress,
       "Job not started"},
      {"Job running",
       R"({"apiVersion":"batch/v1","kind":"Job","status":{"startTime":"2024-01-01T00:00:00Z",
           "active":1}})",
       Status::Current, "Job in progress. success:0, active: 1, failed: 0"},
      {"Pod ready",
       R"({"apiVersion":"v1","kind":"Pod","status":{"phase":"Running","conditions":[
           {"type":"Ready","status":"True"}]}})",
       Status::Current, "Pod is Ready"},
      {"Pod crash looping",
       R"({"apiVersion":"v1","kind":"Pod","status":{"phase":"Running","containerStatuses":[
           {"name":"app","state":{"waiting":{"reason":"CrashLoopBackOff"}}}]}})",
       Status::Failed, "Containers in CrashLoop state: app"},
      {"Pod unschedulable",
       R"({"apiVersion":"v1","kind":"Pod","metadata":{"creationTimestamp":"2020-01-01T00:00:00Z"},
           "status":{"phase":"Pending","conditions":[
           {"type":"PodScheduled","status":"False","reason":"Unschedulable"}]}})",
       Status::Failed, "Pod could not be scheduled"},
      {"Pod pending", R"({"apiVersion":"v1","kind":"Pod","status":{"phase":"Pending"}})",
       Status::InProgress, "Pod is in the Pending phase"},
      {"PVC pending",
       R"({"apiVersion":"v1","kind":"PersistentVolumeClaim","status":{"phase":"Pending"}})",
       Status::InProgress, "PVC is not Bound. phase: Pending"},
      {"PVC bound",
       R"({"apiVersion":"v1","kind":"PersistentVolumeClaim","status":{"phase":"Bound"}})",
       Status::Current, "PVC is Bound"},
      {"LoadBalancer without IP",
       R"({"apiVersion":"v1","kind":"Service","spec":{"type":"LoadBalancer"}})", Status::InProgress,
       "ClusterIP not set. Service type: LoadBalancer"},
      {"ClusterIP Service", R"({"apiVersion":"v1","kind":"Service","spec":{}})", Status::Current,
       "Service is ready"},
      {"CRD established",
       R"({"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition","status":{
           "conditions":[{"type":"NamesAccepted","status":"True"},
           {"type":"Established","status":"True"}]}})",
       Status::Current, "CRD is established"},
      {"CRD installing",
       R"({"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition"})",
       Status::InProgress, "Install in progress"},
      {"CRD names not accepted",
       R"({"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition","status":{
           "conditions":[{"type":"NamesAccepted","status":"False","message":"conflict"}]}})",
       Status::Failed, "conflict"},
  });
}

}  // namespace
}  // namespace driftless::ssa
