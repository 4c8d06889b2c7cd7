"""The test bed's EC2/SSM/SQS/IAM endpoint: moto (pinned 5.2.5) plus the few things it lacks.

moto answers the real AWS wire protocols, so the project's AWS SDK code runs unchanged against it.
This launcher fills the gaps the autoscaler's code paths need (see shared/reference/harness.md section 4):

- EKS-optimized and Bottlerocket AMIs, and their public SSM parameters (/aws/service/eks/..., /aws/service/bottlerocket/...).
- CreateFleet that behaves like AWS where it matters: it skips offerings marked as out of capacity and reports them as
  InsufficientInstanceCapacity errors, picks the cheapest remaining override (lowest-price / price-capacity-optimized),
  honours Priority for the prioritized strategy, and is idempotent on ClientToken (AWS documents that a repeated token
  returns the original fleet).
- Deterministic spot prices per (instance type, zone) instead of moto's flat 0.00001.
- Injected faults (throttling, 5xx) on chosen actions, switchable at run time.
- Empty answers for DescribeCapacityReservations and DescribePlacementGroups, which moto does not implement.

Control API (second loopback port, JSON): GET /healthz, POST /reset, GET|POST|DELETE /ice, GET|POST|DELETE /faults,
GET /prices, POST /spot-prices.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import pickle
import signal
import sys
import threading
import uuid
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

from moto.core.common_types import TYPE_RESPONSE  # noqa: F401  (import order: moto core first)
from moto.ec2.models import amis as moto_amis
from moto.ec2.models import fleets as moto_fleets
from moto.ec2.models.instance_types import INSTANCE_TYPES
from moto.ec2.responses import fleets as moto_fleet_responses
from moto.ec2.responses import spot_instances as moto_spot_responses
from moto.ec2.responses import EC2Response
from moto.core.responses import ActionResult
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
from moto.ssm import models as moto_ssm
from werkzeug.serving import make_server

KUBERNETES_MINORS = ["1.32", "1.33", "1.34", "1.35"]
AMI_RELEASES = ["v20260901", "v20261015"]  # the last one is "latest"; the earlier one exists for drift tests
AMAZON_OWNER = "602401143452"  # the EKS AMI publisher account
BOTTLEROCKET_OWNER = "092701018921"


# ---------------------------------------------------------------------------------------------------------------------
# Prices. Moto has no Pricing API; like Karpenter's isolated-VPC mode we use a static on-demand table. Ours is a
# deterministic synthetic function of vCPU, memory and accelerators (documented, not real prices).
# ---------------------------------------------------------------------------------------------------------------------
def _stable_fraction(*parts: str) -> float:
    digest = hashlib.sha256("/".join(parts).encode()).digest()
    return int.from_bytes(digest[:4], "big") / 2**32


def on_demand_price(instance_type: str) -> float:
    info = INSTANCE_TYPES.get(instance_type)
    if info is None:
        return 0.0
    vcpu = info.get("VCpuInfo", {}).get("DefaultVCpus", 1)
    mem_gib = info.get("MemoryInfo", {}).get("SizeInMiB", 1024) / 1024
    gpus = sum(g.get("Count", 0) for g in info.get("GpuInfo", {}).get("Gpus", []))
    family = instance_type.split(".")[0]
    factor = 1.0
    if "g" in family[2:] or family.endswith("g"):
        factor = 0.8  # Graviton families are cheaper per vCPU
    elif "a" in family[2:]:
        factor = 0.9  # AMD families
    price = (0.031 * vcpu + 0.0045 * mem_gib + 0.65 * gpus) * factor
    return round(max(price, 0.0052), 4)


SPOT_OVERRIDES: dict[tuple[str, str], float] = {}


def spot_price(instance_type: str, zone: str) -> float:
    override = SPOT_OVERRIDES.get((instance_type, zone))
    if override is not None:
        return override
    discount = 0.30 + 0.25 * _stable_fraction(instance_type, zone)
    return round(on_demand_price(instance_type) * discount, 5)


# ---------------------------------------------------------------------------------------------------------------------
# Run-time switches set by tests through the control port.
# ---------------------------------------------------------------------------------------------------------------------
LOCK = threading.Lock()
ICE: set[tuple[str, str, str]] = set()  # (instance type, zone, capacity type) out of capacity
FAULTS: list[dict[str, Any]] = []  # {"action", "code", "status", "times"}
FLEET_TOKENS: dict[tuple[str, str, str], dict[str, Any]] = {}  # (account, region, client token) -> response
CALLS: dict[str, int] = {}  # action -> count, so tests can assert what reached the endpoint


def reset_switches() -> None:
    with LOCK:
        ICE.clear()
        FAULTS.clear()
        FLEET_TOKENS.clear()
        SPOT_OVERRIDES.clear()
        CALLS.clear()


# ---------------------------------------------------------------------------------------------------------------------
# EKS AMIs and SSM parameters.
# ---------------------------------------------------------------------------------------------------------------------
def _ami_id(*parts: str) -> str:
    return "ami-" + hashlib.sha256("/".join(parts).encode()).hexdigest()[:17]


def eks_images() -> list[dict[str, Any]]:
    """Every EKS AMI the test bed publishes, with the SSM parameter names that point at it."""
    images = []
    for minor in KUBERNETES_MINORS:
        for release in AMI_RELEASES:
            latest = release == AMI_RELEASES[-1]
            for arch, variant in [("x86_64", "standard"), ("arm64", "standard"), ("x86_64", "nvidia"), ("x86_64", "neuron")]:
                name = f"amazon-eks-node-al2023-{arch}-{variant}-{minor}-{release}"
                base = f"/aws/service/eks/optimized-ami/{minor}/amazon-linux-2023/{arch}/{variant}"
                params = [f"{base}/{name}/image_id"]
                if latest:
                    params.append(f"{base}/recommended/image_id")
                images.append({"name": name, "arch": arch, "owner": AMAZON_OWNER, "params": params, "release": release})
            for arch in ["x86_64", "arm64"]:
                for flavour in ["", "-nvidia"]:
                    version = "1.50.0" if latest else "1.48.0"
                    name = f"bottlerocket-aws-k8s-{minor}{flavour}-{arch}-v{version}"
                    base = f"/aws/service/bottlerocket/aws-k8s-{minor}{flavour}/{arch}"
                    params = [f"{base}/{version}/image_id"]
                    if latest:
                        params.append(f"{base}/latest/image_id")
                    images.append({"name": name, "arch": arch, "owner": BOTTLEROCKET_OWNER, "params": params, "release": release})
    return images


EKS_IMAGES = eks_images()
_original_load_amis = moto_amis.AmiBackend._load_amis


def _load_amis_with_eks(self: Any) -> None:
    _original_load_amis(self)
    region = self.region_name
    for image in EKS_IMAGES:
        ami_id = _ami_id(region, image["name"])
        self.amis[ami_id] = moto_amis.Ami(
            self,
            ami_id=ami_id,
            name=image["name"],
            description=f"EKS image {image['name']}",
            owner_id=image["owner"],
            owner_alias="amazon",
            public=True,
            virtualization_type="hvm",
            architecture=image["arch"],
            state="available",
            creation_date=datetime(2026, 9, 1, tzinfo=timezone.utc) if image["release"] == AMI_RELEASES[0] else datetime(2026, 10, 15, tzinfo=timezone.utc),
            platform=None,
            image_location=f"amazon/{image['name']}",
            hypervisor="xen",
            root_device_type="ebs",
            root_device_name="/dev/xvda",
            region_name=region,
        )


moto_amis.AmiBackend._load_amis = _load_amis_with_eks

_original_check_loading = moto_ssm.ParameterDict._check_loading_status


def _check_loading_with_eks(self: Any, key: str) -> None:
    _original_check_loading(self, key)
    key = str(key or "")
    if (key.startswith("/aws/service/eks") or key.startswith("/aws/service/bottlerocket")) and not getattr(self, "_kt_eks_loaded", False):
        self._kt_eks_loaded = True
        for image in EKS_IMAGES:
            for name in image["params"]:
                super(moto_ssm.ParameterDict, self).__getitem__(name).append(
                    moto_ssm.Parameter(
                        account_id=self.account_id,
                        name=name,
                        value=_ami_id(self.region_name, image["name"]),
                        parameter_type="String",
                        description=None,
                        allowed_pattern=None,
                        keyid=None,
                        last_modified_date=datetime(2026, 10, 15, tzinfo=timezone.utc),
                        version=1,
                        data_type="text",
                    )
                )


moto_ssm.ParameterDict._check_loading_status = _check_loading_with_eks


# ---------------------------------------------------------------------------------------------------------------------
# CreateFleet: capacity errors, price-aware choice, ClientToken idempotency.
# ---------------------------------------------------------------------------------------------------------------------
def _spec_zone(fleet: Any, spec: Any) -> str:
    if spec.subnet_id:
        return fleet.ec2_backend.get_subnet(spec.subnet_id).availability_zone
    return fleet.ec2_backend.region_name + "a"


def _override_of(spec: Any) -> dict[str, Any]:
    return spec.overrides or {}


_original_create_spot = moto_fleets.Fleet.create_spot_requests
_original_create_on_demand = moto_fleets.Fleet.create_on_demand_requests


def _create_spot(self: Any, weight: float) -> Any:
    self._kt_capacity_type = "spot"
    return _original_create_spot(self, weight)


def _create_on_demand(self: Any, weight: float) -> Any:
    self._kt_capacity_type = "on-demand"
    return _original_create_on_demand(self, weight)


def _apply_template_security_groups(fleet: Any, spec: Any) -> None:
    """AWS attaches the launch template's security groups to fleet instances; moto reads only a "GroupSet" key the
    template data never has, so fleet instances came up with none (and security-group drift could not be tested)."""
    template_spec = spec.launch_template_spec or {}
    if spec.group_set or not template_spec.get("LaunchTemplateId"):
        return
    template = fleet.ec2_backend.get_launch_template(template_spec["LaunchTemplateId"])
    data = template.get_version(template_spec.get("Version", template.latest_version_number)).data
    groups = data.get("SecurityGroupIds") or [g for ni in data.get("NetworkInterfaces", []) for g in ni.get("Groups", [])]
    spec.group_set = list(groups)


def _launch_spec_counts(self: Any, weight_to_add: float) -> tuple[dict[Any, int], float]:
    capacity_type = getattr(self, "_kt_capacity_type", "on-demand")
    options = self.spot_options if capacity_type == "spot" else self.on_demand_options
    strategy = (options or {}).get("AllocationStrategy", "lowest-price")
    if not hasattr(self, "_kt_errors"):
        self._kt_errors = []

    def price(spec: Any) -> float:
        zone = _spec_zone(self, spec)
        return spot_price(spec.instance_type, zone) if capacity_type == "spot" else on_demand_price(spec.instance_type)

    if strategy == "prioritized" or "prioritized" in strategy:
        ordered = sorted(self.launch_specs, key=lambda s: (float(_override_of(s).get("Priority", 1e9)), price(s)))
    else:
        ordered = sorted(self.launch_specs, key=price)
    with LOCK:
        ice = set(ICE)
    for spec in ordered:
        zone = _spec_zone(self, spec)
        if (spec.instance_type, zone, capacity_type) in ice:
            self._kt_errors.append(
                {
                    "LaunchTemplateAndOverrides": {
                        "LaunchTemplateSpecification": spec.launch_template_spec,
                        "Overrides": _override_of(spec),
                    },
                    "Lifecycle": capacity_type,
                    "ErrorCode": "InsufficientInstanceCapacity",
                    "ErrorMessage": f"We currently do not have sufficient {spec.instance_type} capacity in the Availability Zone you requested ({zone}).",
                }
            )
            continue
        _apply_template_security_groups(self, spec)
        count = max(1, int(round(weight_to_add / max(spec.weighted_capacity, 1))))
        return {spec: count}, count * spec.weighted_capacity
    return {}, 0.0


moto_fleets.Fleet.create_spot_requests = _create_spot
moto_fleets.Fleet.create_on_demand_requests = _create_on_demand
moto_fleets.Fleet.get_launch_spec_counts = _launch_spec_counts


def _create_fleet_response(self: Any) -> ActionResult:
    token = self._get_param("ClientToken")
    key = (self.current_account, self.region, token or "")
    if token:
        with LOCK:
            cached = FLEET_TOKENS.get(key)
        if cached is not None:
            return ActionResult(cached)
    self.error_on_dryrun()
    fleet = self.ec2_backend.create_fleet(
        on_demand_options=self._get_param("OnDemandOptions", {}),
        spot_options=self._get_param("SpotOptions", {}),
        target_capacity_specification=self._get_param("TargetCapacitySpecification", {}),
        launch_template_configs=self._get_param("LaunchTemplateConfigs", []),
        excess_capacity_termination_policy=self._get_param("ExcessCapacityTerminationPolicy"),
        replace_unhealthy_instances=self._get_param("ReplaceUnhealthyInstances"),
        terminate_instances_with_expiration=self._get_param("TerminateInstancesWithExpiration", if_none=True),
        fleet_type=self._get_param("Type", if_none="maintain"),
        valid_from=self._get_param("ValidFrom"),
        valid_until=self._get_param("ValidUntil"),
        tag_specifications=self._get_param("TagSpecifications", []),
    )
    result: dict[str, Any] = {"FleetId": fleet.id}
    if fleet.instances is not None:
        result["Instances"] = fleet.instances
    errors = getattr(fleet, "_kt_errors", [])
    unique = {json.dumps(e, sort_keys=True, default=str): e for e in errors}
    if unique:
        result["Errors"] = list(unique.values())
    if token:
        with LOCK:
            FLEET_TOKENS[key] = result
    return ActionResult(result)


moto_fleet_responses.Fleets.create_fleet = _create_fleet_response


def _describe_spot_price_history(self: Any) -> ActionResult:
    prices = self.ec2_backend.describe_spot_price_history(self._get_param("InstanceTypes", []), self._filters_from_querystring())
    now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    history = [
        {
            "InstanceType": p["InstanceType"],
            "ProductDescription": "Linux/UNIX (Amazon VPC)",
            "SpotPrice": f"{spot_price(p['InstanceType'], p['Location']):.5f}",
            "AvailabilityZone": p["Location"],
            "Timestamp": now,
        }
        for p in prices
    ]
    return ActionResult({"SpotPriceHistory": history})


moto_spot_responses.SpotInstances.describe_spot_price_history = _describe_spot_price_history


# DescribeInstanceTypes pages like AWS (at most 100 per page, NextToken) instead of moto's single unbounded page, so
# the provider's pagination runs on the emulator rather than only in theory.
def _describe_instance_types(self: Any) -> ActionResult:
    types = self.ec2_backend.describe_instance_types(self._get_param("InstanceTypes", []), self._filters_from_querystring())
    page = max(5, min(int(self._get_param("MaxResults") or 100), 100))
    start = int(self._get_param("NextToken") or 0)
    result: dict[str, Any] = {"InstanceTypes": types[start : start + page]}
    if start + page < len(types):
        result["NextToken"] = str(start + page)
    return ActionResult(result)


EC2Response.describe_instance_types = _describe_instance_types


def _empty(key: str) -> Any:
    def handler(self: Any) -> ActionResult:
        return ActionResult({key: []})

    return handler


EC2Response.describe_capacity_reservations = _empty("CapacityReservations")
EC2Response.describe_placement_groups = _empty("PlacementGroups")


# ---------------------------------------------------------------------------------------------------------------------
# Fault injection and call counting, as WSGI middleware in front of moto.
# ---------------------------------------------------------------------------------------------------------------------
def _action_of(environ: dict[str, Any], body: bytes) -> str:
    target = environ.get("HTTP_X_AMZ_TARGET")
    if target:
        return target.split(".")[-1]
    if body:
        try:
            action = parse_qs(body.decode("utf-8", "replace")).get("Action")
            if action:
                return action[0]
        except Exception:
            pass
    action = parse_qs(environ.get("QUERY_STRING", "")).get("Action")
    return action[0] if action else ""


def fault_middleware(app: Any) -> Any:
    def wrapped(environ: dict[str, Any], start_response: Any) -> Any:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        environ["wsgi.input"] = io.BytesIO(body)
        action = _action_of(environ, body)
        fault = None
        with LOCK:
            if action:
                CALLS[action] = CALLS.get(action, 0) + 1
            for rule in FAULTS:
                if rule["action"] == action and rule["times"] != 0:
                    rule["times"] -= 1
                    fault = dict(rule)
                    break
        if fault is None:
            return app(environ, start_response)
        request_id = str(uuid.uuid4())
        if environ.get("HTTP_X_AMZ_TARGET"):
            payload = json.dumps({"__type": fault["code"], "message": fault["message"]}).encode()
            content_type = "application/x-amz-json-1.1"
        else:
            payload = (
                f'<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>{fault["code"]}</Code>'
                f'<Message>{fault["message"]}</Message></Error></Errors><RequestID>{request_id}</RequestID></Response>'
            ).encode()
            content_type = "text/xml"
        start_response(f"{fault['status']} Injected", [("Content-Type", content_type), ("Content-Length", str(len(payload)))])
        return [payload]

    return wrapped


# ---------------------------------------------------------------------------------------------------------------------
# Control port.
# ---------------------------------------------------------------------------------------------------------------------
FAULT_DEFAULTS = {
    "RequestLimitExceeded": (503, "Request limit exceeded."),
    "ThrottlingException": (400, "Rate exceeded"),
    "InternalError": (500, "An internal error has occurred."),
    "ServiceUnavailable": (503, "The service is unavailable."),
    "Unavailable": (503, "The server is overloaded."),
}


class Control(BaseHTTPRequestHandler):
    moto_port = 0

    def log_message(self, fmt: str, *args: Any) -> None:  # keep the log for moto's own lines
        sys.stderr.write("control: " + (fmt % args) + "\n")

    def _json(self, status: int, body: Any) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _body(self) -> Any:
        length = int(self.headers.get("Content-Length") or 0)
        return json.loads(self.rfile.read(length) or b"{}") if length else {}

    def do_GET(self) -> None:  # noqa: N802
        if self.path == "/healthz":
            return self._json(200, {"ok": True})
        if self.path == "/ice":
            with LOCK:
                return self._json(200, [{"instanceType": t, "zone": z, "capacityType": c} for t, z, c in sorted(ICE)])
        if self.path == "/faults":
            with LOCK:
                return self._json(200, FAULTS)
        if self.path == "/calls":
            with LOCK:
                return self._json(200, CALLS)
        if self.path == "/prices":
            return self._json(200, {"onDemand": {name: on_demand_price(name) for name in sorted(INSTANCE_TYPES)}})
        return self._json(404, {"error": f"no such path {self.path}"})

    def do_POST(self) -> None:  # noqa: N802
        try:
            body = self._body()
        except json.JSONDecodeError as err:
            return self._json(400, {"error": f"body is not JSON: {err}"})
        if self.path == "/reset":
            import urllib.request

            reset_switches()
            urllib.request.urlopen(urllib.request.Request(f"http://127.0.0.1:{self.moto_port}/moto-api/reset", method="POST")).read()
            return self._json(200, {"reset": True})
        if self.path == "/ice":
            offerings = body.get("offerings", [])
            for o in offerings:
                if not {"instanceType", "zone", "capacityType"} <= o.keys():
                    return self._json(400, {"error": "each offering needs instanceType, zone and capacityType"})
            with LOCK:
                for o in offerings:
                    ICE.add((o["instanceType"], o["zone"], o["capacityType"]))
            return self._json(200, {"ice": len(ICE)})
        if self.path == "/faults":
            action, code = body.get("action"), body.get("code", "RequestLimitExceeded")
            if not action:
                return self._json(400, {"error": "a fault needs an action, e.g. CreateFleet"})
            status, message = FAULT_DEFAULTS.get(code, (500, code))
            rule = {"action": action, "code": code, "status": int(body.get("status", status)), "message": body.get("message", message), "times": int(body.get("times", -1))}
            with LOCK:
                FAULTS.append(rule)
            return self._json(200, rule)
        if self.path == "/spot-prices":
            with LOCK:
                for p in body.get("prices", []):
                    SPOT_OVERRIDES[(p["instanceType"], p["zone"])] = float(p["price"])
            return self._json(200, {"overrides": len(SPOT_OVERRIDES)})
        return self._json(404, {"error": f"no such path {self.path}"})

    def do_DELETE(self) -> None:  # noqa: N802
        with LOCK:
            if self.path == "/ice":
                ICE.clear()
            elif self.path == "/faults":
                FAULTS.clear()
            else:
                return self._json(404, {"error": f"no such path {self.path}"})
        return self._json(200, {"cleared": self.path})


# ---------------------------------------------------------------------------------------------------------------------
# State across restarts (--state-file): the chaos suite restarts the emulator in place, and an EC2 that forgot its
# instances would turn every NodeClaim into a leak. moto's backends are plain picklable objects; the launcher's own
# switches (capacity errors, faults, fleet tokens, spot prices) go with them.
# ---------------------------------------------------------------------------------------------------------------------
# ssm is left out: its backend holds a lambda (unpicklable), and the only parameters the test bed has are the EKS AMI
# parameters this launcher publishes again at start.
PERSISTED_SERVICES = ["ec2", "sqs", "iam", "events"]


def save_state(path: str) -> None:
    from moto.backends import get_backend

    with LOCK:
        backends: dict[str, Any] = {}
        for name in PERSISTED_SERVICES:
            accounts = dict(get_backend(name))
            try:
                pickle.dumps(accounts)
            except Exception as err:  # a moto upgrade may add an unpicklable member: lose that service, not all
                print(f"not saving {name}: {err}", flush=True)
                continue
            backends[name] = accounts
        state = {
            "backends": backends,
            "ice": set(ICE),
            "faults": list(FAULTS),
            "fleet_tokens": dict(FLEET_TOKENS),
            "spot_overrides": dict(SPOT_OVERRIDES),
        }
        data = pickle.dumps(state)
    # Written beside and renamed, so a kill during the write leaves the previous state rather than half a file.
    with open(path + ".tmp", "wb") as f:
        f.write(data)
    os.replace(path + ".tmp", path)


def load_state(path: str) -> bool:
    from moto.backends import get_backend

    if not os.path.exists(path):
        return False
    with open(path, "rb") as f:
        state = pickle.load(f)
    for name, accounts in state["backends"].items():
        # Mutated in place: moto's modules hold references to these dicts.
        backend = get_backend(name)
        backend.clear()
        backend.update(accounts)
    with LOCK:
        ICE.update(state["ice"])
        FAULTS.extend(state["faults"])
        FLEET_TOKENS.update(state["fleet_tokens"])
        SPOT_OVERRIDES.update(state["spot_overrides"])
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--control-port", type=int, required=True)
    parser.add_argument("--state-file", help="keep moto's state here on SIGTERM and restore it at start")
    args = parser.parse_args()

    if args.state_file and load_state(args.state_file):
        print(f"restored state from {args.state_file}", flush=True)
    app = fault_middleware(DomainDispatcherApplication(create_backend_app))
    server = make_server("127.0.0.1", args.port, app, threaded=True, request_handler=MotoRequestHandler)
    Control.moto_port = args.port
    control = ThreadingHTTPServer(("127.0.0.1", args.control_port), Control)
    threading.Thread(target=control.serve_forever, daemon=True).start()

    def stop(signum: int, _frame: Any) -> None:
        # shutdown() waits for serve_forever to return, which runs on this (the main) thread: ask from another one.
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    print(f"moto launcher listening on 127.0.0.1:{args.port}, control on 127.0.0.1:{args.control_port}", flush=True)
    server.serve_forever()
    if args.state_file:
        save_state(args.state_file)
        print(f"saved state to {args.state_file}", flush=True)


if __name__ == "__main__":
    main()
