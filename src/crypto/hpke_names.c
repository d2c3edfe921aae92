/*
 * The names of the HPKE algorithms this build supports, for programs that
 * show a key configuration to people (confai inspect).
 */
#include <confai/confai.h>

#include "crypto/hpke_suite.h"

const char *confai_hpke_kem_name(uint16_t kem_id)
{
    const hpke_kem_info *kem = hpke_kem_lookup(kem_id);
    return kem != NULL ? kem->name : NULL;
}

const char *confai_hpke_kdf_name(uint16_t kdf_id)
{
    const hpke_kdf_info *kdf = hpke_kdf_lookup(kdf_id);
    return kdf != NULL ? kdf->name : NULL;
}

const char *confai_hpke_aead_name(uint16_t aead_id)
{
    const hpke_aead_info *aead = hpke_aead_lookup(aead_id);
    return aead != NULL ? aead->name : NULL;
}
