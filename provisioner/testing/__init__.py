"""Testing with provisioner: a pytest plugin, and what its fixtures hand out.

- ``pytest_plugin``: loaded by pytest through the ``pytest11`` entry point; the fixtures
  ``azure_local_cloud``, ``provisioned`` and ``provision_target``, the options
  ``--provision-target``, ``--provision-subscription`` and ``--local-cloud-scope``, and the
  marker ``both_targets`` (docs/testing.md).
- ``local_azure``: :class:`LocalAzure`, a local cloud with real SDK clients pointed at it,
  what moto's ``mock_aws`` is to boto3 users.
- ``environments``: :func:`provision_environment`, a blueprint brought up and, whatever happens
  in between, torn down; :class:`Environment`, its mapping and addresses.

This package sits at the top of the layers, beside ``cli``: a second way in, for pytest instead
of a terminal. It calls the same core functions the commands call (``apply.up.bring_up``,
``envs.destroy.down_environment``) and starts the local cloud as ``arm/target.py`` does; nothing
else in provisioner imports it. Nothing is imported here at package level, because pytest
imports the plugin in every run of every project where provisioner is installed.
"""
