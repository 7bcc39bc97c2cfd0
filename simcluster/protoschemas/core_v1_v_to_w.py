"""Protobuf field numbers of core/v1 (VolumeResourceRequirements to WindowsSecurityContextOptions).

Written by scripts/generate_kubeproto.py from generated.proto and the Go types of
kubernetes/api and kubernetes/apimachinery v0.32.13 (commits
67a30ffc59c5 and 59e9003f02d6): regenerate, do not edit.
"""

from simcluster.protoschemas.field import Field, Messages

MESSAGES: Messages = {
    "core.v1.VolumeResourceRequirements": {
        1: Field("limits", "map[string]resource.Quantity"),
        2: Field("requests", "map[string]resource.Quantity"),
    },
    "core.v1.VolumeSource": {
        1: Field("hostPath", "core.v1.HostPathVolumeSource"),
        2: Field("emptyDir", "core.v1.EmptyDirVolumeSource"),
        3: Field("gcePersistentDisk", "core.v1.GCEPersistentDiskVolumeSource"),
        4: Field("awsElasticBlockStore", "core.v1.AWSElasticBlockStoreVolumeSource"),
        5: Field("gitRepo", "core.v1.GitRepoVolumeSource"),
        6: Field("secret", "core.v1.SecretVolumeSource"),
        7: Field("nfs", "core.v1.NFSVolumeSource"),
        8: Field("iscsi", "core.v1.ISCSIVolumeSource"),
        9: Field("glusterfs", "core.v1.GlusterfsVolumeSource"),
        10: Field("persistentVolumeClaim", "core.v1.PersistentVolumeClaimVolumeSource"),
        11: Field("rbd", "core.v1.RBDVolumeSource"),
        12: Field("flexVolume", "core.v1.FlexVolumeSource"),
        13: Field("cinder", "core.v1.CinderVolumeSource"),
        14: Field("cephfs", "core.v1.CephFSVolumeSource"),
        15: Field("flocker", "core.v1.FlockerVolumeSource"),
        16: Field("downwardAPI", "core.v1.DownwardAPIVolumeSource"),
        17: Field("fc", "core.v1.FCVolumeSource"),
        18: Field("azureFile", "core.v1.AzureFileVolumeSource"),
        19: Field("configMap", "core.v1.ConfigMapVolumeSource"),
        20: Field("vsphereVolume", "core.v1.VsphereVirtualDiskVolumeSource"),
        21: Field("quobyte", "core.v1.QuobyteVolumeSource"),
        22: Field("azureDisk", "core.v1.AzureDiskVolumeSource"),
        23: Field("photonPersistentDisk", "core.v1.PhotonPersistentDiskVolumeSource"),
        26: Field("projected", "core.v1.ProjectedVolumeSource"),
        24: Field("portworxVolume", "core.v1.PortworxVolumeSource"),
        25: Field("scaleIO", "core.v1.ScaleIOVolumeSource"),
        27: Field("storageos", "core.v1.StorageOSVolumeSource"),
        28: Field("csi", "core.v1.CSIVolumeSource"),
        29: Field("ephemeral", "core.v1.EphemeralVolumeSource"),
        30: Field("image", "core.v1.ImageVolumeSource"),
    },
    "core.v1.VsphereVirtualDiskVolumeSource": {
        1: Field("volumePath", "string", keep_zero=True),
        2: Field("fsType", "string"),
        3: Field("storagePolicyName", "string"),
        4: Field("storagePolicyID", "string"),
    },
    "core.v1.WeightedPodAffinityTerm": {
        1: Field("weight", "int32", keep_zero=True),
        2: Field("podAffinityTerm", "core.v1.PodAffinityTerm"),
    },
    "core.v1.WindowsSecurityContextOptions": {
        1: Field("gmsaCredentialSpecName", "string", keep_zero=True),
        2: Field("gmsaCredentialSpec", "string", keep_zero=True),
        3: Field("runAsUserName", "string", keep_zero=True),
        4: Field("hostProcess", "bool", keep_zero=True),
    },
}
