import subprocess
import sys


def test_text_and_opportunity_logic_import_no_airflow():
    code = ("import sys, acf.text.scripts, acf.opportunities.pipeline, acf.text.providers;"
            "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('airflow', 'openai', 'anthropic', 'groq'));"
            "print(bad); sys.exit(1 if bad else 0)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
