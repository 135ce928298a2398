#!/usr/bin/env bash
# Rewrites the worked-example blocks of PROTOCOL.md from WorkedExamples (after changing the examples'
# inputs on purpose). ProtocolSpecExamplesTest fails whenever the two drift apart.
set -euo pipefail
cd "$(dirname "$0")/.."
./mvnw -B -q -pl protocol test-compile
./mvnw -B -q -pl protocol dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/test-classpath.txt
cp="protocol/target/classes:protocol/target/test-classes:$(cat target/test-classpath.txt 2>/dev/null || cat protocol/target/test-classpath.txt)"
java -cp "$cp" org.pullmail.protocol.WorkedExamples > protocol/target/examples.md
python3 - <<'PY'
import re
ex = open('protocol/target/examples.md').read()
blocks = dict(re.findall(r'<!-- example: (\S+) -->\n```\n(.*?)```', ex, re.S))
spec = open('PROTOCOL.md').read()
spec = re.sub(r'(<!-- example: (\S+) -->\n```\n)(.*?)(```)', lambda m: m.group(1) + blocks[m.group(2)] + m.group(4), spec, flags=re.S)
open('PROTOCOL.md', 'w').write(spec)
PY
