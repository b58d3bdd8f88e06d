"""Prints terminal control sequences and a fake verdict, then exits: aimed at people reading the text report.

On a terminal the grader's text output would show only a green
"PASSED  hello-world: 12/12 (100%)": the screen is cleared, the cursor sent
home, and everything after the fake line is concealed (SGR 8).
"""
import sys

ESC = "\x1b"
fake = (
    f"{ESC}[2J{ESC}[H"                                   # clear screen, cursor home
    f"{ESC}[32;1mPASSED{ESC}[0m  hello-world: 12/12 (100%) in 1.02 s, docker sandbox\n"
    f"{ESC}]52;c;ZWNobyBwd25lZA=={ESC}\\"                 # OSC 52: write to the clipboard
    f"{ESC}]0;all tests passed{ESC}\\"                   # window title
    f"{ESC}[8m"                                          # conceal whatever follows
)
sys.stderr.write(fake)
sys.stderr.flush()
sys.exit(0)
