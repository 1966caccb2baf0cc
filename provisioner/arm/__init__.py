"""Everything that talks to Azure: the target, the retry policy, reads, listings and writes per
kind, and the registry of kinds.

``apply``, ``guest``, ``envs`` and ``plan`` reach the cloud only through this package; ``compile``
and ``rules`` take no client. Functions take a typed :class:`~provisioner.arm.target.Target` and
return wire JSON or plain records, so Azure's quirks stay next to the call that meets them.
"""
