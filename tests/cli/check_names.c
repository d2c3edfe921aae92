/*
 * Prints the library's check-name vocabulary (confai_check_name), one name
 * a line, for tests/cli/test_cli.py: the CLI must print no other names.
 */
#include <stdio.h>

#include <confai/confai.h>

int main(void)
{
    const char *name;
    for (int i = 0; (name = confai_check_name(i)) != NULL; i++)
        puts(name);
    return 0;
}
