"""The model on AWS (a SageMaker endpoint, or Bedrock chosen as the primary model): its failures in nlq's
words, and its status read without sending a question.

boto3 and botocore are optional (requirements-sagemaker.txt, requirements-bedrock.txt), so they are imported
inside the functions that need them and their errors are recognised by class name: importing this module
(as ``nlq.backends`` does for every provider) loads nothing from AWS.
"""

from __future__ import annotations

from typing import Any

from nlq.errors import ErrorReport, ModelFailed, ModelNotFound, ModelUnreachable, NlqError, model_timeout
from nlq.targets import ModelTarget

STATUS_TIMEOUT_S = 3.0
AUTH_CODES = frozenset({"UnrecognizedClientException", "InvalidSignatureException", "AccessDeniedException",
                        "AccessDenied", "ExpiredTokenException", "ExpiredToken", "InvalidClientTokenId",
                        "IncompleteSignature", "MissingAuthenticationToken", "SignatureDoesNotMatch"})
BUSY_CODES = frozenset({"ThrottlingException", "Throttling", "TooManyRequestsException", "ServiceUnavailable",
                        "ServiceUnavailableException", "ModelNotReadyException"})
CREDENTIAL_ERRORS = ("NoCredentialsError", "PartialCredentialsError", "CredentialRetrievalError", "NoRegionError")


def is_aws_error(error: BaseException) -> bool:
    """botocore's errors, and urllib3's (boto's HTTP library), which leak from reading an event stream."""
    return type(error).__module__.split(".")[0] in ("botocore", "boto3", "urllib3")


def aws_model_error(error: BaseException, target: ModelTarget, timeout_s: float) -> NlqError:
    """A botocore failure of the primary model on AWS as the error another provider would give for the same
    thing: not reachable, not found, too slow, refused credentials, busy, or broken."""
    where = target.where
    if _named(error, *CREDENTIAL_ERRORS):
        return ModelFailed(f"nlq found no usable AWS credentials or region for {where}: {error}", CREDENTIALS_HINT)
    if _named(error, "ReadTimeoutError"):
        return model_timeout(timeout_s)
    if _named(error, "EndpointConnectionError", "ConnectTimeoutError", "ProxyConnectionError"):
        return ModelUnreachable(f"{_capital(where)} could not be reached"
                                f"{f' at {target.url}' if target.url else ''}.", _network_hint(target))
    if _named(error, "ConnectionClosedError", "ResponseStreamingError", "ProtocolError", "IncompleteRead"):
        return ModelFailed(f"{_capital(where)} closed the connection before its reply was complete.",
                           "Check the endpoint's log in CloudWatch, and any proxy in between; then try again.")
    code, message = _code(error)
    if code in AUTH_CODES:
        return ModelFailed(f"AWS refused nlq's credentials for {where} ({code}: {message}).", _permission_hint(target))
    if code in BUSY_CODES:
        return ModelFailed(f"{_capital(where)} is busy: AWS throttled the request ({code}: {message}).",
                           _busy_hint(target))
    if _not_found(target, code, message):
        return endpoint_not_found(target, message)
    if code in ("ModelError", "ModelStreamError", "InternalStreamFailure", "InternalFailure"):
        return ModelFailed(f"{_capital(where)} answered with an error from its model ({code}: {message}).",
                           f"Check the endpoint's log in CloudWatch (/aws/sagemaker/Endpoints/{target.name}); the "
                           "container may have run out of memory or not support the messages format.")
    return ModelFailed(f"{_capital(where)} failed ({code or type(error).__name__}: {message or error}).",
                       f"Check {target.setting} and the AWS settings in docs/models.md; then try again.")


CREDENTIALS_HINT = ("Give the machine nlq runs on an IAM role (instance profile or task role), or set AWS_PROFILE "
                    "or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; check the region setting.")


def endpoint_not_found(target: ModelTarget, detail: str = "") -> ModelNotFound:
    if target.provider == "sagemaker":
        return ModelNotFound(f"There is no SageMaker endpoint named {target.name} in {target.region or 'the region'}"
                             f"{f' ({detail})' if detail else ''}.",
                             "Check the name in NLQ_MODEL=sagemaker:ENDPOINT_NAME and NLQ_SAGEMAKER_REGION "
                             "(`aws sagemaker list-endpoints` lists them).")
    return ModelNotFound(f"AWS Bedrock has no model {target.name} in {target.region or 'the region'}"
                         f"{f' ({detail})' if detail else ''}.",
                         "Check the model ID (or inference profile) in NLQ_MODEL, NLQ_FALLBACK_REGION, and that the "
                         "model is enabled under Bedrock → Model access.")


def credentials_source() -> str | None:
    """How boto3 finds credentials here (env, shared-credentials-file, iam-role…), or None when it finds none;
    nothing is sent to AWS to find out."""
    import boto3  # type: ignore[import-untyped]

    credentials = boto3.session.Session().get_credentials()
    return None if credentials is None else str(getattr(credentials, "method", "") or "found")


def endpoint_status(target: ModelTarget) -> tuple[str, ErrorReport | None]:
    """The SageMaker endpoint's status (``InService`` when it can answer), read with DescribeEndpoint; a
    Bedrock model has no status to read without asking it, so it is told as ``hosted``."""
    if target.provider != "sagemaker":
        return "hosted", None
    import boto3
    from botocore.config import Config  # type: ignore[import-untyped]

    config = Config(connect_timeout=STATUS_TIMEOUT_S, read_timeout=STATUS_TIMEOUT_S, retries={"total_max_attempts": 1})
    try:
        client = boto3.session.Session().client("sagemaker", region_name=target.region or None,
                                                endpoint_url=target.api_url or None, config=config)
        status = str(client.describe_endpoint(EndpointName=target.name).get("EndpointStatus", "unknown"))
    except Exception as error:
        failure = aws_model_error(error, target, STATUS_TIMEOUT_S) if is_aws_error(error) else error
        return "unknown", ErrorReport.from_exception(failure if isinstance(failure, NlqError) else ModelFailed(
            f"nlq could not read the status of {target.where}: {failure}", CREDENTIALS_HINT))
    if status != "InService":
        return status, ErrorReport.from_exception(ModelFailed(
            f"{_capital(target.where)} is {status}, not InService: it cannot answer yet.",
            "Wait until `aws sagemaker describe-endpoint` says InService; if it says Failed, read its FailureReason."))
    return status, None


def _not_found(target: ModelTarget, code: str, message: str) -> bool:
    """SageMaker says "Endpoint X of account Y not found" as a ValidationError; Bedrock a missing model as
    ResourceNotFoundException, or an unknown ID as a ValidationException."""
    lowered = message.lower()
    if code in ("ResourceNotFoundException", "ResourceNotFound"):
        return True
    if target.provider == "sagemaker":
        return (code.startswith("Validation") and "not found" in lowered) or "could not find endpoint" in lowered
    return code == "ValidationException" and "model identifier is invalid" in lowered


def _code(error: BaseException) -> tuple[str, str]:
    response: Any = getattr(error, "response", None) or {}
    details = response.get("Error", {}) if isinstance(response, dict) else {}
    return str(details.get("Code", "")), str(details.get("Message", "") or "")


def _named(error: BaseException, *names: str) -> bool:
    return is_aws_error(error) and any(cls.__name__ in names for cls in type(error).__mro__)


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _network_hint(target: ModelTarget) -> str:
    if target.provider == "sagemaker":
        return ("Check NLQ_SAGEMAKER_REGION and NLQ_SAGEMAKER_ENDPOINT_URL (the runtime.sagemaker VPC endpoint, if "
                "there is one), and that its security group lets this machine in on port 443.")
    return ("Check NLQ_FALLBACK_REGION and NLQ_FALLBACK_URL (the bedrock-runtime VPC endpoint, if there is one), and "
            "that its security group lets this machine in on port 443.")


def _permission_hint(target: ModelTarget) -> str:
    if target.provider == "sagemaker":
        return ("Allow sagemaker:InvokeEndpoint and sagemaker:InvokeEndpointWithResponseStream on the endpoint to the "
                "role nlq runs as. " + CREDENTIALS_HINT)
    return ("Allow bedrock:InvokeModel and bedrock:InvokeModelWithResponseStream on the model to the role nlq runs "
            "as, and enable the model under Bedrock → Model access. " + CREDENTIALS_HINT)


def _busy_hint(target: ModelTarget) -> str:
    if target.provider == "sagemaker":
        return "Try again in a moment; if it persists, add instances to the endpoint or let it auto-scale."
    return "Try again in a moment; if it persists, ask AWS to raise the model's Bedrock quota (tokens per minute)."
