/*
 * The algorithm pairs of a key configuration, for programs that show one
 * (confai inspect); the other getters are in key_config.c.
 */
#include <confai/confai.h>

#include "core/error.h"
#include "seal/key_config.h"

size_t confai_key_config_algorithm_count(const confai_key_config *config)
{
    return config != NULL ? config->algorithms_len : 0;
}

confai_status confai_key_config_algorithm(const confai_key_config *config,
                                          confai_ohttp_algorithms *algorithm, size_t index,
                                          confai_error *err)
{
    confai_status status = CONFAI_OK;
    confai_err_clear(err);
    ENSURE_ARG(config != NULL, "config");
    ENSURE_ARG(algorithm != NULL, "algorithm");
    ENSURE(index < config->algorithms_len, CONFAI_E_ARGUMENT,
           "invalid argument: index %zu of %zu algorithm pairs", index, config->algorithms_len);
    *algorithm = config->algorithms[index];
out:
    return status;
}
