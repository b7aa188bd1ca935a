"""EC2 launch template versions: implement DeleteLaunchTemplateVersions; wrap UserData of new versions;
list every version of a template (with MaxResults, page by page).

What moto does:
- ``DeleteLaunchTemplateVersions`` is not implemented (the server answers 500).
- ``CreateLaunchTemplateVersion`` stores ``LaunchTemplateData.UserData`` as a plain string, while
  ``CreateLaunchTemplate`` wraps it in moto's ``Base64EncodedString``. Launching an instance from
  version 2 or later (RunInstances, or an Auto Scaling group) then trips moto's assertion on the
  type of ``UserData`` and the server answers 500.
- ``DescribeLaunchTemplateVersions`` answers at most 15 versions (MaxResults defaults to 15) and
  never a ``NextToken``: a template with more versions looks as if it had only its first 15, so
  amazon.aws.ec2_launch_template (which pages with boto3's paginator) does not find its latest or
  default version and fails with ``list index out of range``. A stack whose template has been
  changed 15 times (a few releases, a test suite sharing one stack) hit it.

What AWS does:
- ``DeleteLaunchTemplateVersions`` deletes the listed versions of one template and reports each
  in ``SuccessfullyDeletedLaunchTemplateVersions`` or, with a ``ResponseError``, in
  ``UnsuccessfullyDeletedLaunchTemplateVersions``. The default version cannot be deleted. A
  deleted version is gone: DescribeLaunchTemplateVersions no longer lists it, it cannot be
  launched from or made the default, ``$Latest`` / ``LatestVersionNumber`` fall back to the
  highest remaining version, and its number is never given to a new version.
  https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DeleteLaunchTemplateVersions.html
  https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_ResponseError.html
  https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/manage-launch-template-versions.html
- A version created by ``CreateLaunchTemplateVersion`` launches like the first one: ``UserData``
  is base64 text in both actions.
  https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_RequestLaunchTemplateData.html

Why the stack needs it: amazon.aws.ec2_launch_template ``state: absent`` calls
DeleteLaunchTemplateVersions for the non-default versions of a template that has two or more,
so the scaling_group role's absent failed once its template had a second version; and a group
launched from that second version (the role's ``$Latest``) failed with a 500.

- ``DescribeLaunchTemplateVersions`` of one template lists every version asked for; with
  ``MaxResults`` (1-200) it answers that many and a ``NextToken`` for the rest.
  https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeLaunchTemplateVersions.html

Not modelled: the ``ResponseError`` for the default version uses ``unexpectedError``, the only code of the
documented list that fits.
"""

from __future__ import annotations

from typing import Any

_MARK = "_muejam_launch_template_versions_patched"

# ResponseError codes of the DeleteLaunchTemplateVersions API reference (LaunchTemplateErrorCode).
VERSION_DOES_NOT_EXIST = "launchTemplateVersionDoesNotExist"
ID_DOES_NOT_EXIST = "launchTemplateIdDoesNotExist"
NAME_DOES_NOT_EXIST = "launchTemplateNameDoesNotExist"
UNEXPECTED_ERROR = "unexpectedError"
MAX_RESULTS = 200  # DescribeLaunchTemplateVersions' MaxResults: 1-200
EVERY_VERSION = 2**31  # what moto's backend is asked for: no cut (the response pages)


def _error(base: dict[str, Any], code: str, message: str) -> dict[str, Any]:
    return {**base, "ResponseError": {"Code": code, "Message": message}}


def delete_versions(template: Any, versions: list[str]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Mark the listed versions of ``template`` deleted; return the (successful, unsuccessful) items."""
    deleted, failed = [], []
    numbers = {version.number: version for version in template.versions}
    for requested in versions:
        base: dict[str, Any] = {"LaunchTemplateId": template.id, "LaunchTemplateName": template.name}
        try:
            number = int(requested)
        except (TypeError, ValueError):
            failed.append(_error(base, VERSION_DOES_NOT_EXIST, f"The version {requested} is not a version number."))
            continue
        base["VersionNumber"] = number
        version = numbers.get(number)
        if version is None or version.deleted:
            failed.append(_error(base, VERSION_DOES_NOT_EXIST, f"The launch template version {number} does not exist."))
        elif template.is_default(version):
            failed.append(_error(base, UNEXPECTED_ERROR, "Cannot delete the default version of a launch template."))
        else:
            version.deleted = True
            deleted.append(base)
    return deleted, failed


def apply() -> None:
    from moto.core.responses import ActionResult
    from moto.ec2.exceptions import InvalidLaunchTemplateVersionNotFound, InvalidParameterValue, MissingParameterError
    from moto.ec2.models.launch_templates import LaunchTemplate, LaunchTemplateBackend, LaunchTemplateVersion
    from moto.ec2.responses.launch_templates import LaunchTemplates
    from moto.ec2.utils import parse_user_data

    if getattr(LaunchTemplate, _MARK, False):
        return
    original_create_version = LaunchTemplate.create_version
    original_get_version = LaunchTemplate.get_version
    original_modify = LaunchTemplateBackend.modify_launch_template
    original_describe_versions = LaunchTemplateBackend.describe_launch_template_versions

    # Versions are only marked deleted (never removed from the list), so moto's numbering
    # (len + 1) never reuses a number, as on AWS.
    LaunchTemplateVersion.deleted = False

    def create_version(self: Any, data: dict[str, Any], description: str) -> Any:
        if isinstance(data.get("UserData"), str):
            data["UserData"] = parse_user_data(data["UserData"])
        return original_create_version(self, data, description)

    def latest_version(self: Any) -> Any:
        return next(version for version in reversed(self.versions) if not version.deleted)

    def get_version(self: Any, num: Any) -> Any:
        if str(num).lower() == "$latest":
            return self.latest_version()
        version = original_get_version(self, num)
        if version.deleted:
            raise InvalidLaunchTemplateVersionNotFound(template_id=self.id, version=num)
        return version

    def modify_launch_template(
        self: Any, default_version: str, template_name: str | None = None, template_id: str | None = None
    ) -> Any:
        resolved_id = self.launch_template_name_to_ids.get(template_name) if template_name else template_id
        template = self.launch_templates.get(resolved_id) if resolved_id else None
        if template is not None and any(
            version.deleted and str(version.number) == str(default_version) for version in template.versions
        ):
            raise InvalidLaunchTemplateVersionNotFound(template_id=template.id, version=default_version)
        return original_modify(self, default_version, template_name=template_name, template_id=template_id)

    def describe_launch_template_versions(self: Any, *args: Any, **kwargs: Any) -> list[Any]:
        found = original_describe_versions(self, *args, **kwargs)
        return [(template, version) for template, version in found if not version.deleted]

    def response_describe_launch_template_versions(self: Any) -> ActionResult:
        max_results = self._get_int_param("MaxResults")
        token = self._get_param("NextToken")
        if max_results is not None and not 1 <= max_results <= MAX_RESULTS:
            raise InvalidParameterValue(f"MaxResults must be between 1 and {MAX_RESULTS}, got {max_results}")
        if token is not None and not str(token).isdigit():
            raise InvalidParameterValue(f"Invalid NextToken: {token}")
        self.error_on_dryrun()
        found = self.ec2_backend.describe_launch_template_versions(
            template_name=self._get_param("LaunchTemplateName"),
            template_id=self._get_param("LaunchTemplateId"),
            versions=self._get_param("Versions", []),
            min_version=self._get_int_param("MinVersion"),
            max_version=self._get_int_param("MaxVersion"),
            max_results=EVERY_VERSION,
        )
        start = int(token or 0)
        end = len(found) if max_results is None else start + max_results
        result: dict[str, Any] = {
            "LaunchTemplateVersions": [
                {
                    "CreateTime": version.create_time,
                    "CreatedBy": f"arn:{self.partition}:iam::{self.current_account}:root",
                    "DefaultVersion": template.is_default(version),
                    "LaunchTemplateData": version.data,
                    "LaunchTemplateId": template.id,
                    "LaunchTemplateName": template.name,
                    "VersionDescription": version.description,
                    "VersionNumber": version.number,
                }
                for template, version in found[start:end]
            ]
        }
        if end < len(found):
            result["NextToken"] = str(end)
        return ActionResult(result)

    def backend_delete_launch_template_versions(
        self: Any, template_name: str | None, template_id: str | None, versions: list[str]
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        if not template_name and not template_id:
            raise MissingParameterError("launch template ID or launch template name")
        if template_name:
            template = self.launch_templates.get(self.launch_template_name_to_ids.get(template_name, ""))
            missing = (NAME_DOES_NOT_EXIST, {"LaunchTemplateName": template_name})
        else:
            template = self.launch_templates.get(template_id)
            missing = (ID_DOES_NOT_EXIST, {"LaunchTemplateId": template_id})
        if template is None:
            code, base = missing
            message = "The specified launch template does not exist."
            return [], [_error({**base, "VersionNumber": int(v)}, code, message) for v in versions if v.isdigit()]
        return delete_versions(template, versions)

    def response_delete_launch_template_versions(self: Any) -> ActionResult:
        template_name = self._get_param("LaunchTemplateName")
        template_id = self._get_param("LaunchTemplateId")
        versions = [str(version) for version in self._get_param("Versions", [])]
        self.error_on_dryrun()
        deleted, failed = self.ec2_backend.delete_launch_template_versions(template_name, template_id, versions)
        return ActionResult(
            {
                "SuccessfullyDeletedLaunchTemplateVersions": deleted,
                "UnsuccessfullyDeletedLaunchTemplateVersions": failed,
            }
        )

    LaunchTemplate.create_version = create_version
    LaunchTemplate.latest_version = latest_version
    LaunchTemplate.get_version = get_version
    LaunchTemplateBackend.modify_launch_template = modify_launch_template
    LaunchTemplateBackend.describe_launch_template_versions = describe_launch_template_versions
    LaunchTemplateBackend.delete_launch_template_versions = backend_delete_launch_template_versions
    LaunchTemplates.delete_launch_template_versions = response_delete_launch_template_versions
    LaunchTemplates.describe_launch_template_versions = response_describe_launch_template_versions
    setattr(LaunchTemplate, _MARK, True)
