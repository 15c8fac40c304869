// Validates the manifests offline against the Kubernetes (and Prometheus Operator) schemas with the npm
// packages kubernetes-models and @kubernetes-models/prometheus-operator, then checks what this daemon needs
// of them. Usage (see deploy/kubernetes/validate):
//   node validate.mjs <manifest dir> <node_modules dir holding those packages and yaml> <drain timeout seconds>
// Prints one line per document; exits 1 on the first problem.
import fs from "fs";
import path from "path";
import { createRequire } from "module";
import { pathToFileURL } from "url";

const dir = process.argv[2];
const modules = path.resolve(process.argv[3]);
const shutdownSeconds = Number(process.argv[4] || 30);
const YAML = createRequire(path.join(modules, "noop.js"))("yaml");
const load = async (file, name) => (await import(pathToFileURL(path.join(modules, file + ".js")).href))[name];
const models = {
  "apps/v1/StatefulSet": () => load("kubernetes-models/apps/v1/StatefulSet", "StatefulSet"),
  "v1/Service": () => load("kubernetes-models/v1/Service", "Service"),
  "policy/v1/PodDisruptionBudget": () => load("kubernetes-models/policy/v1/PodDisruptionBudget", "PodDisruptionBudget"),
  "autoscaling/v2/HorizontalPodAutoscaler": () => load("kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler", "HorizontalPodAutoscaler"),
  "monitoring.coreos.com/v1/ServiceMonitor": () => load("@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor", "ServiceMonitor"),
};

function fail(message) {
  console.error("INVALID: " + message);
  process.exit(1);
}

const kustomization = YAML.parse(fs.readFileSync(path.join(dir, "kustomization.yaml"), "utf8"));
const docs = [];
for (const file of kustomization.resources) {
  for (const doc of YAML.parseAllDocuments(fs.readFileSync(path.join(dir, file), "utf8"))) {
    if (doc.errors.length) fail(file + ": " + doc.errors[0].message);
    const value = doc.toJSON();
    if (value) docs.push({ file, value });
  }
}
const kinds = {};
for (const { file, value } of docs) {
  const key = value.apiVersion + "/" + value.kind;
  const model = models[key];
  if (!model) fail(file + ": no schema known for " + key);
  const Model = await model();
  try {
    new Model(value).validate();
  } catch (e) {
    fail(file + " (" + key + " " + value.metadata.name + "): " + (e.message || e));
  }
  kinds[value.kind] = (kinds[value.kind] || []).concat([value]);
  console.log("valid: " + file + " " + key + " " + value.metadata.name);
}

for (const kind of ["StatefulSet", "Service", "PodDisruptionBudget", "HorizontalPodAutoscaler", "ServiceMonitor"]) {
  if (!kinds[kind]) fail("no " + kind);
}
const sts = kinds.StatefulSet[0];
const pod = sts.spec.template.spec;
const c = pod.containers[0];
if (!sts.spec.volumeClaimTemplates || !sts.spec.volumeClaimTemplates.length) fail("the StatefulSet has no volume claim template");
const claim = sts.spec.volumeClaimTemplates[0].metadata.name;
const journalDir = (c.env.find(e => e.name === "PUBLISHER_JOURNAL_DIR") || {}).value;
const mount = c.volumeMounts.find(m => m.name === claim);
if (!mount || !journalDir || !journalDir.startsWith(mount.mountPath)) fail("the journal directory is not on the claimed volume");
if (c.livenessProbe.httpGet.path !== "/health/live") fail("liveness must probe /health/live");
if (c.readinessProbe.httpGet.path !== "/health/ready") fail("readiness must probe /health/ready");
const ports = c.ports.map(p => p.name);
for (const probe of [c.livenessProbe, c.readinessProbe, c.startupProbe]) {
  if (probe && !ports.includes(probe.httpGet.port)) fail("a probe names an undeclared port " + probe.httpGet.port);
}
if (!(pod.terminationGracePeriodSeconds > shutdownSeconds)) {
  fail("terminationGracePeriodSeconds " + pod.terminationGracePeriodSeconds + " must exceed the drain timeout " + shutdownSeconds + " s");
}
if (!pod.securityContext.runAsNonRoot || !(pod.securityContext.runAsUser > 0)) fail("the pod must run as a non-root user");
for (const r of ["requests", "limits"]) {
  if (!c.resources[r] || !c.resources[r].cpu || !c.resources[r].memory) fail("resources." + r + " needs cpu and memory");
}
const selector = sts.spec.selector.matchLabels;
const matches = (labels) => Object.entries(labels).every(([k, v]) => pod && sts.spec.template.metadata.labels[k] === v);
for (const svc of kinds.Service) if (!matches(svc.spec.selector)) fail("Service " + svc.metadata.name + " selects no pod");
if (!matches(kinds.PodDisruptionBudget[0].spec.selector.matchLabels)) fail("the PodDisruptionBudget selects no pod");
if (!Object.keys(selector).length) fail("empty selector");
const hpa = kinds.HorizontalPodAutoscaler[0];
if (hpa.spec.scaleTargetRef.kind !== "StatefulSet" || hpa.spec.scaleTargetRef.name !== sts.metadata.name) fail("the HPA targets another workload");
if (!hpa.spec.metrics.some(m => m.type === "Pods")) fail("the HPA has no per-pod metric");
const sm = kinds.ServiceMonitor[0];
const scraped = kinds.Service.filter(s => Object.entries(sm.spec.selector.matchLabels).every(([k, v]) => (s.metadata.labels || {})[k] === v));
if (scraped.length !== 1) fail("the ServiceMonitor must select exactly one Service, selects " + scraped.length);
if (sm.spec.endpoints[0].path !== "/metrics/prometheus") fail("the ServiceMonitor must scrape /metrics/prometheus");
if (!scraped[0].spec.ports.some(p => p.name === sm.spec.endpoints[0].port)) fail("the ServiceMonitor's port is not on the Service");
console.log("OK: " + docs.length + " documents valid; StatefulSet, probes, grace period, volumes, autoscaler and scraping consistent");
