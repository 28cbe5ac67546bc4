"""The ecs_cluster and alb roles on the emulator: the ECS cluster and the load balancer, field by field."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.emulator


def by_name(items, key, value):
    (found,) = [item for item in items if item[key] == value]
    return found


@pytest.fixture(scope="module", name="plain")
def fixture_plain(run_site):
    run = run_site({"litellm_name": "edge", "litellm_alb_allowed_cidrs": ["198.51.100.0/24"], "alb_allow_plaintext": True}, outputs=True)
    assert run.rc == 0, run.tail()
    return run


def test_cluster_has_fargate_spot_and_container_insights(plain, aws):
    (cluster,) = aws("ecs").describe_clusters(clusters=["edge"], include=["SETTINGS", "TAGS"])["clusters"]
    assert sorted(cluster["capacityProviders"]) == ["FARGATE", "FARGATE_SPOT"]
    assert cluster["defaultCapacityProviderStrategy"] == [{"capacityProvider": "FARGATE", "weight": 1, "base": 0}]
    assert {"name": "containerInsights", "value": "enabled"} in cluster["settings"]
    assert {"key": "litellm-deployment", "value": "edge"} in cluster["tags"]
    assert plain.outputs["ecs_cluster"]["arn"] == cluster["clusterArn"]


def groups(run):
    return run.outputs["network"]["security_group_ids"]


def test_alb_group_admits_only_the_allowed_networks(plain, aws):
    (group,) = aws("ec2").describe_security_groups(GroupIds=[groups(plain)["load_balancer"]])["SecurityGroups"]
    assert [(p["FromPort"], p["ToPort"], [r["CidrIp"] for r in p["IpRanges"]]) for p in group["IpPermissions"]] == [
        (80, 80, ["198.51.100.0/24"])]  # plaintext: 80 only


def test_tasks_group_admits_the_proxy_port_from_the_alb_only(plain, aws):
    ids = groups(plain)
    (group,) = aws("ec2").describe_security_groups(GroupIds=[ids["tasks"]])["SecurityGroups"]
    (rule,) = group["IpPermissions"]
    assert (rule["IpProtocol"], rule["FromPort"], rule["ToPort"]) == ("tcp", 4000, 4000)
    assert [pair["GroupId"] for pair in rule["UserIdGroupPairs"]] == [ids["load_balancer"]]
    assert not rule["IpRanges"]
    # The config file system admits NFS from this same group, and the service's tasks carry it.
    (nfs,) = aws("ec2").describe_security_groups(GroupIds=[ids["file_system"]])["SecurityGroups"]
    assert [pair["GroupId"] for pair in nfs["IpPermissions"][0]["UserIdGroupPairs"]] == [ids["tasks"]]
    (service,) = aws("ecs").describe_services(cluster="edge", services=["edge"])["services"]
    assert service["networkConfiguration"]["awsvpcConfiguration"]["securityGroups"] == [ids["tasks"]]


def test_load_balancer_spans_two_zones_with_a_long_idle_timeout(plain, aws):
    elb = aws("elbv2")
    (lb,) = elb.describe_load_balancers(Names=["edge-alb"])["LoadBalancers"]
    assert lb["Scheme"] == "internet-facing"
    assert len({zone["ZoneName"] for zone in lb["AvailabilityZones"]}) >= 2
    assert lb["SecurityGroups"] == [groups(plain)["load_balancer"]]
    assert sorted(subnet["SubnetId"] for subnet in lb["AvailabilityZones"]) == plain.outputs["network"]["alb_subnet_ids"]
    attributes = {a["Key"]: a["Value"] for a in elb.describe_load_balancer_attributes(LoadBalancerArn=lb["LoadBalancerArn"])["Attributes"]}
    assert attributes["idle_timeout.timeout_seconds"] == "120"
    assert plain.outputs["alb"]["dns_name"] == lb["DNSName"]
    assert plain.outputs["alb"]["url"] == f"http://{lb['DNSName']}"


def test_target_group_checks_readiness_never_health(plain, aws):
    elb = aws("elbv2")
    (tg,) = elb.describe_target_groups(Names=["edge-tg"])["TargetGroups"]
    assert (tg["Protocol"], tg["Port"], tg["TargetType"]) == ("HTTP", 4000, "ip")
    assert tg["HealthCheckPath"] == "/health/readiness"
    assert tg["Matcher"] == {"HttpCode": "200-299"}
    assert (tg["HealthCheckIntervalSeconds"], tg["HealthCheckTimeoutSeconds"]) == (30, 10)
    assert (tg["HealthyThresholdCount"], tg["UnhealthyThresholdCount"]) == (2, 3)
    attributes = {a["Key"]: a["Value"] for a in elb.describe_target_group_attributes(TargetGroupArn=tg["TargetGroupArn"])["Attributes"]}
    assert attributes["deregistration_delay.timeout_seconds"] == "100"  # litellm_request_timeout: no answer is cut
    assert plain.outputs["alb"]["target_group_arn"] == tg["TargetGroupArn"]


def test_plaintext_listener_forwards_to_the_target_group(plain, aws):
    elb = aws("elbv2")
    (listener,) = elb.describe_listeners(LoadBalancerArn=plain.outputs["alb"]["arn"])["Listeners"]
    assert (listener["Protocol"], listener["Port"]) == ("HTTP", 80)
    assert listener["DefaultActions"][0]["Type"] == "forward"
    assert listener["DefaultActions"][0]["TargetGroupArn"] == plain.outputs["alb"]["target_group_arn"]


def test_https_listener_and_redirect_with_a_certificate(run_site, aws):
    cert = aws("acm").request_certificate(DomainName="llm.example.com")["CertificateArn"]
    run = run_site({"litellm_name": "secure", "litellm_alb_allowed_cidrs": ["0.0.0.0/0"], "litellm_certificate_arn": cert}, outputs=True)
    assert run.rc == 0, run.tail()
    listeners = aws("elbv2").describe_listeners(LoadBalancerArn=run.outputs["alb"]["arn"])["Listeners"]
    https = by_name(listeners, "Port", 443)
    assert https["Protocol"] == "HTTPS"
    assert https["SslPolicy"] == "ELBSecurityPolicy-TLS13-1-2-2021-06"
    assert [c["CertificateArn"] for c in https["Certificates"]] == [cert]
    assert https["DefaultActions"][0]["TargetGroupArn"] == run.outputs["alb"]["target_group_arn"]
    redirect = by_name(listeners, "Port", 80)["DefaultActions"][0]
    assert redirect["Type"] == "redirect"
    assert (redirect["RedirectConfig"]["Protocol"], redirect["RedirectConfig"]["Port"], redirect["RedirectConfig"]["StatusCode"]) == (
        "HTTPS", "443", "HTTP_301")
    (group,) = aws("ec2").describe_security_groups(GroupIds=[groups(run)["load_balancer"]])["SecurityGroups"]
    assert sorted(p["FromPort"] for p in group["IpPermissions"]) == [80, 443]
    assert run.outputs["alb"]["url"].startswith("https://")
