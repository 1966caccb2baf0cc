import subprocess
import sys

from provisioner import __version__


def test_python_dash_m_prints_version():
    out = subprocess.run(
        [sys.executable, "-m", "provisioner", "version"], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == __version__
