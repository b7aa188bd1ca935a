#!/usr/bin/python
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: ec2_route_tables
version_added: 0.1.0
short_description: Manage several route tables of a VPC in one call, without fixed waits
description:
  - Creates the named route tables of a VPC, sets their routes, subnet associations and tags,
    in one call for every table.
  - The tables are read with one C(DescribeRouteTables) filtered by the VPC and the tables'
    names (every page), and one more filtered by C(association.subnet-id) only when a wanted
    subnet is associated with none of them. With nothing to change that is all the module calls.
  - Unlike M(amazon.aws.ec2_vpc_route_table), which manages one table a call and sleeps 5 s
    after every change, this module waits only on AWS's state, once for every table it creates
    (the C(route_table_exists) waiter), and retries throttling and the errors of ids AWS does
    not show yet with a jittered backoff.
  - A table is found by its C(Name) tag, which is always O(route_tables[].name). Two tables of
    the VPC with one of the names are refused, naming their ids.
  - A subnet associated with another table is moved to its table (C(ReplaceRouteTableAssociation)).
author:
  - muejam.infra maintainers (@muejam)
options:
  vpc_id:
    description: The VPC of the route tables.
    type: str
    required: true
  route_tables:
    description: The route tables, each found or created by its name.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: The table's C(Name) tag, how it is found; unique among the VPC's tables.
        type: str
        required: true
      routes:
        description:
          - The routes the table has besides its C(local) route.
          - A route to the same destination through another target is replaced.
        type: list
        elements: dict
        default: []
        suboptions:
          dest:
            description: The destination, an IPv4 or IPv6 CIDR block.
            type: str
            required: true
          gateway_id:
            description:
              - An internet gateway or virtual private gateway (C(igw-...), C(vgw-...)).
              - A C(nat-...) id is taken as O(route_tables[].routes[].nat_gateway_id), as
                M(amazon.aws.ec2_vpc_route_table) takes it.
            type: str
          nat_gateway_id:
            description: A NAT gateway (C(nat-...)). Give this or O(route_tables[].routes[].gateway_id).
            type: str
      subnets:
        description:
          - The ids of the subnets associated with the table. A subnet can be given for one
            table only (outside check mode, where ids not created yet may share a placeholder).
        type: list
        elements: str
        default: []
      tags:
        description: The table's tags; C(Name) is set to O(route_tables[].name) whatever is given.
        type: dict
        default: {}
  purge_routes:
    description:
      - Delete the routes not in O(route_tables[].routes). Only routes made by C(CreateRoute) are
        deleted; the C(local) route, propagated routes and routes to a prefix list (which VPC
        endpoints manage) stay.
    type: bool
    default: true
  purge_subnets:
    description:
      - Remove the subnet associations not in O(route_tables[].subnets). Gateway associations
        stay.
    type: bool
    default: true
  purge_tags:
    description: Remove the tags not in O(route_tables[].tags).
    type: bool
    default: true
  state:
    description:
      - Only C(present). Deleting the tables is a teardown's work
        (M(muejam.infra.stack_teardown) deletes a stack's route tables with their associations).
    type: str
    choices: [present]
    default: present
attributes:
  check_mode:
    support: full
    details: Reports the steps it would take (RV(changes)) and the tables as they would be, and changes nothing.
  diff_mode:
    support: none
    details: It returns no diff; RV(changes) lists every step.
  platform:
    platforms: posix
notes:
  - "IAM: C(ec2:DescribeRouteTables), C(ec2:CreateRouteTable), C(ec2:CreateRoute), C(ec2:ReplaceRoute),
    C(ec2:DeleteRoute), C(ec2:AssociateRouteTable), C(ec2:ReplaceRouteTableAssociation),
    C(ec2:DisassociateRouteTable), C(ec2:CreateTags), C(ec2:DeleteTags)."
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - muejam.infra.requirements
  - ansible.builtin.action_common_attributes
"""

EXAMPLES = r"""
- name: Create the public route table and one private route table per zone
  muejam.infra.ec2_route_tables:
    vpc_id: vpc-0123456789abcdef0
    route_tables:
      - name: muejam-production-public
        routes:
          - dest: 0.0.0.0/0
            gateway_id: igw-0123456789abcdef0
        subnets: [subnet-0aaaaaaaaaaaaaaa1, subnet-0aaaaaaaaaaaaaaa2]
        tags:
          Project: muejam
          Environment: production
      - name: muejam-production-private-us-east-1a
        routes:
          - dest: 0.0.0.0/0
            nat_gateway_id: nat-0123456789abcdef0
        subnets: [subnet-0bbbbbbbbbbbbbbb1]
        tags:
          Project: muejam
          Environment: production
  register: route_tables

- name: Add a route and leave the other routes and associations as they are
  muejam.infra.ec2_route_tables:
    vpc_id: vpc-0123456789abcdef0
    route_tables:
      - name: muejam-production-public
        routes:
          - dest: 0.0.0.0/0
            gateway_id: igw-0123456789abcdef0
          - dest: 192.168.0.0/16
            gateway_id: vgw-0123456789abcdef0
    purge_routes: false
    purge_subnets: false
    purge_tags: false
"""

RETURN = r"""
route_tables:
  description:
    - The tables by name, after the change.
    - In check mode, as the change would leave them. A table to create has a null id and no
      routes but the wanted ones; a route or association to make has a null state or id.
  returned: always
  type: dict
  contains:
    id:
      description: The table's id.
      returned: always
      type: str
      sample: rtb-0123456789abcdef0
    routes:
      description: The table's routes, the C(local) one included.
      returned: always
      type: list
      elements: dict
      sample:
        - {"dest": "10.0.0.0/16", "target": "local", "origin": "CreateRouteTable", "state": "active"}
        - {"dest": "0.0.0.0/0", "target": "igw-0123456789abcdef0", "origin": "CreateRoute", "state": "active"}
    associations:
      description: The table's subnet associations, by subnet id.
      returned: always
      type: list
      elements: dict
      sample: [{"id": "rtbassoc-0123456789abcdef0", "subnet_id": "subnet-0aaaaaaaaaaaaaaa1"}]
    tags:
      description: The table's tags.
      returned: always
      type: dict
      sample: {"Name": "muejam-production-public", "Project": "muejam"}
  sample:
    muejam-production-public:
      id: rtb-0123456789abcdef0
      routes: [{"dest": "0.0.0.0/0", "target": "igw-0123456789abcdef0", "origin": "CreateRoute", "state": "active"}]
      associations: [{"id": "rtbassoc-0123456789abcdef0", "subnet_id": "subnet-0aaaaaaaaaaaaaaa1"}]
      tags: {"Name": "muejam-production-public"}
changes:
  description:
    - The steps taken (in check mode, to take), in order. Each has C(action)
      (C(create_route_table), C(delete_route), C(replace_route), C(create_route), C(associate),
      C(replace_association), C(disassociate), C(set_tags), C(remove_tags)), C(route_table)
      (the name), C(route_table_id) and the step's own keys (C(dest), C(gateway_id) or
      C(nat_gateway_id), C(was), C(subnet_id), C(association_id), C(from_route_table_id),
      C(tags), C(keys)).
    - Empty exactly when nothing changes.
  returned: always
  type: list
  elements: dict
  sample:
    - action: replace_route
      route_table: muejam-production-private-us-east-1a
      route_table_id: rtb-0123456789abcdef0
      dest: 0.0.0.0/0
      nat_gateway_id: nat-0123456789abcdef0
      was: nat-0fedcba9876543210
"""

from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.muejam.infra.plugins.module_utils.route_tables import RouteTableError, ensure_present


def main() -> None:
    route_spec = {
        "dest": {"type": "str", "required": True},
        "gateway_id": {"type": "str"},
        "nat_gateway_id": {"type": "str"},
    }
    table_spec = {
        "name": {"type": "str", "required": True},
        "routes": {
            "type": "list",
            "elements": "dict",
            "default": [],
            "options": route_spec,
            "mutually_exclusive": [["gateway_id", "nat_gateway_id"]],
            "required_one_of": [["gateway_id", "nat_gateway_id"]],
        },
        "subnets": {"type": "list", "elements": "str", "default": []},
        "tags": {"type": "dict", "default": {}},
    }
    module = AnsibleAWSModule(
        argument_spec={
            "vpc_id": {"type": "str", "required": True},
            "route_tables": {"type": "list", "elements": "dict", "required": True, "options": table_spec},
            "purge_routes": {"type": "bool", "default": True},
            "purge_subnets": {"type": "bool", "default": True},
            "purge_tags": {"type": "bool", "default": True},
            "state": {"type": "str", "choices": ["present"], "default": "present"},
        },
        supports_check_mode=True,
    )
    client = module.client("ec2", retry_decorator=AWSRetry.jittered_backoff())
    params = module.params
    try:
        result = ensure_present(
            client,
            params["vpc_id"],
            params["route_tables"],
            purge_routes=params["purge_routes"],
            purge_subnets=params["purge_subnets"],
            purge_tags=params["purge_tags"],
            check_mode=module.check_mode,
        )
    except RouteTableError as error:
        module.fail_json(msg=str(error))
    except Exception as error:  # botocore's ClientError and BotoCoreError, reported once
        module.fail_json_aws(error, msg=f"Could not manage the route tables of {params['vpc_id']}")
    module.exit_json(**result)


if __name__ == "__main__":
    main()
